using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class RmaCaseConfiguration : IEntityTypeConfiguration<RmaCase>
{
    public void Configure(EntityTypeBuilder<RmaCase> b)
    {
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Reason).HasMaxLength(2000);
        b.Property(x => x.Evidence).HasMaxLength(64_000);
        b.Property(x => x.VendorCaseNumber).HasMaxLength(64);
        b.Property(x => x.OpenedBy).HasMaxLength(256);
        b.Property(x => x.TrackingNumber).HasMaxLength(128);
        b.Property(x => x.CreditCurrency).HasMaxLength(3);
        b.HasIndex(x => new { x.Status, x.OpenedAt });
        b.HasIndex(x => x.GpuId);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.ReplacementGpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Vendor>().WithMany().HasForeignKey(x => x.VendorId).OnDelete(DeleteBehavior.Restrict);
    }
}
