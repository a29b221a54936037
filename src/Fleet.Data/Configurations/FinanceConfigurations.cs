using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class DepreciationPolicyConfiguration : IEntityTypeConfiguration<DepreciationPolicy>
{
    public void Configure(EntityTypeBuilder<DepreciationPolicy> b)
    {
        b.HasIndex(x => x.GpuModelId).IsUnique();
        b.HasOne<GpuModel>().WithMany().HasForeignKey(x => x.GpuModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BudgetConfiguration : IEntityTypeConfiguration<Budget>
{
    public void Configure(EntityTypeBuilder<Budget> b)
    {
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.DatacenterId, x.FiscalYear, x.Currency }).IsUnique();
        b.HasOne<Datacenter>().WithMany().HasForeignKey(x => x.DatacenterId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class GpuEnergyReadingConfiguration : IEntityTypeConfiguration<GpuEnergyReading>
{
    public void Configure(EntityTypeBuilder<GpuEnergyReading> b)
    {
        b.HasIndex(x => new { x.GpuId, x.PeriodStart });
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StoredProfileConfiguration : IEntityTypeConfiguration<StoredProfile>
{
    public void Configure(EntityTypeBuilder<StoredProfile> b)
    {
        b.Property(x => x.GpuModel).HasMaxLength(100);
        b.Property(x => x.Model).HasMaxLength(100);
        b.Property(x => x.Dtype).HasMaxLength(16);
        // The upload limit of a profile document; every other text column has its own limit above.
        b.Property(x => x.Json).HasMaxLength(4 * 1024 * 1024);
        b.HasIndex(x => new { x.GpuModel, x.Model, x.UploadedAt });
        b.Property(x => x.GpuSerial).HasMaxLength(64);
        b.HasIndex(x => x.BurnInJobId).IsUnique();
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<BurnInJob>().WithMany().HasForeignKey(x => x.BurnInJobId).OnDelete(DeleteBehavior.Restrict);
    }
}
