using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class QuoteConfiguration : IEntityTypeConfiguration<Quote>
{
    public void Configure(EntityTypeBuilder<Quote> b)
    {
        b.Property(x => x.Reference).HasMaxLength(64);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => x.Reference).IsUnique();
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne(x => x.Vendor).WithMany().HasForeignKey(x => x.VendorId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Datacenter>().WithMany().HasForeignKey(x => x.DatacenterId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<PurchaseOrder>().WithMany().HasForeignKey(x => x.PurchaseOrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Lines).WithOne().HasForeignKey(l => l.QuoteId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class QuoteLineConfiguration : IEntityTypeConfiguration<QuoteLine>
{
    public void Configure(EntityTypeBuilder<QuoteLine> b) =>
        b.HasOne<GpuModel>().WithMany().HasForeignKey(x => x.GpuModelId).OnDelete(DeleteBehavior.Restrict);
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> b)
    {
        b.Property(x => x.PackingList).HasMaxLength(200);
        b.Property(x => x.ReceivedBy).HasMaxLength(256);
        b.HasIndex(x => x.PurchaseOrderId);
        b.HasOne<PurchaseOrder>().WithMany().HasForeignKey(x => x.PurchaseOrderId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> b)
    {
        b.Property(x => x.Number).HasMaxLength(64);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Discrepancies).HasMaxLength(8000);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ReviewedBy).HasMaxLength(256);
        b.Property(x => x.ReviewNote).HasMaxLength(2000);
        b.HasIndex(x => new { x.PurchaseOrderId, x.Number }).IsUnique();
        b.HasOne<PurchaseOrder>().WithMany().HasForeignKey(x => x.PurchaseOrderId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> b) =>
        b.HasOne<PurchaseOrderLine>().WithMany().HasForeignKey(x => x.PurchaseOrderLineId).OnDelete(DeleteBehavior.Restrict);
}

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
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasIndex(x => new { x.Status, x.OpenedAt });
        b.HasIndex(x => x.GpuId);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.GpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.ReplacementGpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Vendor>().WithMany().HasForeignKey(x => x.VendorId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DepreciationPolicyConfiguration : IEntityTypeConfiguration<DepreciationPolicy>
{
    public void Configure(EntityTypeBuilder<DepreciationPolicy> b)
    {
        b.HasIndex(x => x.GpuModelId).IsUnique();
        b.Property(x => x.Version).IsConcurrencyToken();
        b.HasOne<GpuModel>().WithMany().HasForeignKey(x => x.GpuModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BudgetConfiguration : IEntityTypeConfiguration<Budget>
{
    public void Configure(EntityTypeBuilder<Budget> b)
    {
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.DatacenterId, x.FiscalYear, x.Currency }).IsUnique();
        b.Property(x => x.Version).IsConcurrencyToken();
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
