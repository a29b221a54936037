using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fleet.Data.Configurations;

internal sealed class DatacenterConfiguration : IEntityTypeConfiguration<Datacenter>
{
    public void Configure(EntityTypeBuilder<Datacenter> b)
    {
        b.Property(x => x.Code).HasMaxLength(GpuFieldLimits.Datacenter);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => x.Code).IsUnique();
        b.HasMany(x => x.Racks).WithOne(r => r.Datacenter).HasForeignKey(r => r.DatacenterId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RackConfiguration : IEntityTypeConfiguration<Rack>
{
    public void Configure(EntityTypeBuilder<Rack> b)
    {
        b.Property(x => x.Name).HasMaxLength(64);
        b.HasIndex(x => new { x.DatacenterId, x.Name }).IsUnique();
        b.HasMany(x => x.Hosts).WithOne(h => h.Rack).HasForeignKey(h => h.RackId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class HostConfiguration : IEntityTypeConfiguration<Host>
{
    public void Configure(EntityTypeBuilder<Host> b)
    {
        b.Property(x => x.Hostname).HasMaxLength(GpuFieldLimits.Host);
        b.Property(x => x.ServerModel).HasMaxLength(128);
        b.Property(x => x.Serial).HasMaxLength(128);
        b.HasIndex(x => x.Hostname).IsUnique();
    }
}

internal sealed class GpuModelConfiguration : IEntityTypeConfiguration<GpuModel>
{
    public void Configure(EntityTypeBuilder<GpuModel> b)
    {
        b.Property(x => x.Name).HasMaxLength(GpuFieldLimits.Model);
        b.Property(x => x.Vendor).HasMaxLength(100);
        b.Property(x => x.Architecture).HasMaxLength(100);
        b.Property(x => x.FormFactor).HasMaxLength(50);
        b.HasIndex(x => x.Name).IsUnique();
    }
}

internal sealed class GpuConfiguration : IEntityTypeConfiguration<Gpu>
{
    public void Configure(EntityTypeBuilder<Gpu> b)
    {
        b.Property(x => x.Serial).HasMaxLength(GpuFieldLimits.Serial);
        b.Property(x => x.Uuid).HasMaxLength(GpuFieldLimits.Uuid);
        b.Property(x => x.AssetTag).HasMaxLength(GpuFieldLimits.AssetTag);
        b.Property(x => x.BoardPartNumber).HasMaxLength(GpuFieldLimits.BoardPartNumber);
        b.Property(x => x.Vbios).HasMaxLength(GpuFieldLimits.Vbios);
        b.Property(x => x.PoNumber).HasMaxLength(GpuFieldLimits.PoNumber);
        b.Property(x => x.Currency).HasMaxLength(GpuFieldLimits.Currency);
        b.Property(x => x.Notes).HasMaxLength(GpuFieldLimits.Notes);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(GpuFieldLimits.Status);
        b.HasIndex(x => x.Serial).IsUnique();
        b.HasIndex(x => x.Uuid).IsUnique();
        // A filtered grid page reads one range per combination of status, datacenter and model, in the sort's order:
        // one (status, datacenter_id, gpu_model_id, sort key, id) index per sortable column (id: the status, model and
        // datacenter sorts, and the filter's exact count, read from the index alone).
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.Id }).HasDatabaseName("ix_gpus_combo_id");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.Serial, x.Id }).HasDatabaseName("ix_gpus_combo_serial");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.Uuid, x.Id }).HasDatabaseName("ix_gpus_combo_uuid");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.AssetTag, x.Id }).HasDatabaseName("ix_gpus_combo_asset_tag");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.PoNumber, x.Id }).HasDatabaseName("ix_gpus_combo_po_number");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.UnitCost, x.Id }).HasDatabaseName("ix_gpus_combo_unit_cost");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.ReceivedAt, x.Id }).HasDatabaseName("ix_gpus_combo_received_at");
        b.HasIndex(x => new { x.Status, x.DatacenterId, x.GpuModelId, x.WarrantyEndsAt, x.Id }).HasDatabaseName("ix_gpus_combo_warranty_ends_at");
        // The host's name on the card, copied by database triggers on every write path (EF, COPY, set-based updates, a
        // renamed host) so that the host sort is one column an index holds; the application never writes it.
        var hostName = b.Property<string?>(GpuColumns.HostName).HasMaxLength(GpuFieldLimits.Host).Metadata;
        hostName.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
        hostName.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
        b.HasIndex(GpuColumns.HostName, nameof(Gpu.Id));
        b.HasIndex(nameof(Gpu.Status), nameof(Gpu.DatacenterId), nameof(Gpu.GpuModelId), GpuColumns.HostName, nameof(Gpu.Id))
            .HasDatabaseName("ix_gpus_combo_host_name");
        // Keyset paging: one (sort key, id) index per sortable column, read forwards or backwards; status, model and
        // datacenter sorts read one value at a time in id order (benchmarks/README.md says which index serves which shape).
        b.HasIndex(x => new { x.AssetTag, x.Id });
        b.HasIndex(x => new { x.PoNumber, x.Id });
        b.HasIndex(x => new { x.UnitCost, x.Id });
        b.HasIndex(x => new { x.ReceivedAt, x.Id });
        b.HasIndex(x => new { x.WarrantyEndsAt, x.Id });
        b.HasIndex(x => new { x.HostId, x.Id });
        b.HasIndex(x => new { x.Status, x.Id });
        b.HasIndex(x => new { x.GpuModelId, x.Id });
        b.HasIndex(x => new { x.DatacenterId, x.Id });
        b.HasOne(x => x.Model).WithMany().HasForeignKey(x => x.GpuModelId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Datacenter).WithMany().HasForeignKey(x => x.DatacenterId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Host).WithMany().HasForeignKey(x => x.HostId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<PurchaseOrderLine>().WithMany().HasForeignKey(x => x.PurchaseOrderLineId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Gpu>().WithMany().HasForeignKey(x => x.ReplacesGpuId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Placements).WithOne().HasForeignKey(p => p.GpuId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GpuPlacementConfiguration : IEntityTypeConfiguration<GpuPlacement>
{
    public void Configure(EntityTypeBuilder<GpuPlacement> b)
    {
        b.Property(x => x.PciBusId).HasMaxLength(32);
        b.HasIndex(x => new { x.GpuId, x.From });
        b.HasOne(x => x.Host).WithMany().HasForeignKey(x => x.HostId).OnDelete(DeleteBehavior.Restrict);
    }
}
