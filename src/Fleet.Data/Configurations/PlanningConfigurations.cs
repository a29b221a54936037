using Fleet.Domain.Planning;
using Fleet.Domain.Procurement;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class PlanRunConfiguration : IEntityTypeConfiguration<PlanRun>
{
    public void Configure(EntityTypeBuilder<PlanRun> b)
    {
        b.Property(x => x.Kind).HasMaxLength(16);
        b.Property(x => x.State).HasMaxLength(16);
        b.Property(x => x.ScenarioName).HasMaxLength(200);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.Property(x => x.Error).HasMaxLength(4000);
        b.HasOne<SavedScenario>().WithMany().HasForeignKey(x => x.SavedScenarioId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(x => x.State);
        b.HasIndex(x => new { x.SavedScenarioId, x.CreatedAt });
    }
}

internal sealed class SavedScenarioConfiguration : IEntityTypeConfiguration<SavedScenario>
{
    public void Configure(EntityTypeBuilder<SavedScenario> b)
    {
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.HasIndex(x => x.Name).IsUnique();
    }
}

internal sealed class PlanRunOrderConfiguration : IEntityTypeConfiguration<PlanRunOrder>
{
    public void Configure(EntityTypeBuilder<PlanRunOrder> b)
    {
        b.HasOne<PlanRun>().WithMany().HasForeignKey(x => x.PlanRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<PurchaseOrder>().WithMany().HasForeignKey(x => x.PurchaseOrderId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.PlanRunId, x.PurchaseOrderId }).IsUnique();
    }
}
