using CsvHelper.Configuration;

namespace Fleet.Application.Import;

/// <summary>One GPU row as read from a vendor or clerk CSV: raw text, validated field by field afterwards.</summary>
public sealed record GpuCsvImportRow
{
    public string? Serial { get; init; }
    public string? Model { get; init; }
    public string? Status { get; init; }
    public string? Datacenter { get; init; }
    public string? Host { get; init; }
    public string? Slot { get; init; }
    public string? Uuid { get; init; }
    public string? AssetTag { get; init; }
    public string? BoardPartNumber { get; init; }
    public string? Vbios { get; init; }
    public string? PoNumber { get; init; }
    public string? UnitCost { get; init; }
    public string? Currency { get; init; }
    public string? ReceivedAt { get; init; }
    public string? InServiceAt { get; init; }
    public string? WarrantyEndsAt { get; init; }
    public string? Notes { get; init; }
}

/// <summary>Maps the import row to the CSV's snake_case columns; a column missing from the file reads as empty.</summary>
public sealed class GpuCsvImportRowMap : ClassMap<GpuCsvImportRow>
{
    public GpuCsvImportRowMap()
    {
        Map(r => r.Serial).Name(GpuCsvColumns.Serial).Optional();
        Map(r => r.Model).Name(GpuCsvColumns.Model).Optional();
        Map(r => r.Status).Name(GpuCsvColumns.Status).Optional();
        Map(r => r.Datacenter).Name(GpuCsvColumns.Datacenter).Optional();
        Map(r => r.Host).Name(GpuCsvColumns.Host).Optional();
        Map(r => r.Slot).Name(GpuCsvColumns.Slot).Optional();
        Map(r => r.Uuid).Name(GpuCsvColumns.Uuid).Optional();
        Map(r => r.AssetTag).Name(GpuCsvColumns.AssetTag).Optional();
        Map(r => r.BoardPartNumber).Name(GpuCsvColumns.BoardPartNumber).Optional();
        Map(r => r.Vbios).Name(GpuCsvColumns.Vbios).Optional();
        Map(r => r.PoNumber).Name(GpuCsvColumns.PoNumber).Optional();
        Map(r => r.UnitCost).Name(GpuCsvColumns.UnitCost).Optional();
        Map(r => r.Currency).Name(GpuCsvColumns.Currency).Optional();
        Map(r => r.ReceivedAt).Name(GpuCsvColumns.ReceivedAt).Optional();
        Map(r => r.InServiceAt).Name(GpuCsvColumns.InServiceAt).Optional();
        Map(r => r.WarrantyEndsAt).Name(GpuCsvColumns.WarrantyEndsAt).Optional();
        Map(r => r.Notes).Name(GpuCsvColumns.Notes).Optional();
    }
}

/// <summary>One GPU row as exported: every column the import reads, typed, so numbers and dates are written raw.</summary>
public sealed record GpuCsvExportRow(
    string Serial, string Model, string Status, string? Datacenter, string? Host, int? Slot, string? Uuid, string? AssetTag,
    string? BoardPartNumber, string? Vbios, string? PoNumber, decimal? UnitCost, string Currency, DateTime? ReceivedAt, DateTime? InServiceAt,
    DateTime? WarrantyEndsAt, string? Notes);

/// <summary>Writes the columns in <see cref="GpuCsvColumns.All"/> order; dates as yyyy-MM-dd (the import reads a same-day date as no change).</summary>
public sealed class GpuCsvExportRowMap : ClassMap<GpuCsvExportRow>
{
    public GpuCsvExportRowMap()
    {
        Map(r => r.Serial).Name(GpuCsvColumns.Serial);
        Map(r => r.Model).Name(GpuCsvColumns.Model);
        Map(r => r.Status).Name(GpuCsvColumns.Status);
        Map(r => r.Datacenter).Name(GpuCsvColumns.Datacenter);
        Map(r => r.Host).Name(GpuCsvColumns.Host);
        Map(r => r.Slot).Name(GpuCsvColumns.Slot);
        Map(r => r.Uuid).Name(GpuCsvColumns.Uuid);
        Map(r => r.AssetTag).Name(GpuCsvColumns.AssetTag);
        Map(r => r.BoardPartNumber).Name(GpuCsvColumns.BoardPartNumber);
        Map(r => r.Vbios).Name(GpuCsvColumns.Vbios);
        Map(r => r.PoNumber).Name(GpuCsvColumns.PoNumber);
        Map(r => r.UnitCost).Name(GpuCsvColumns.UnitCost);
        Map(r => r.Currency).Name(GpuCsvColumns.Currency);
        Map(r => r.ReceivedAt).Name(GpuCsvColumns.ReceivedAt).TypeConverterOption.Format("yyyy-MM-dd");
        Map(r => r.InServiceAt).Name(GpuCsvColumns.InServiceAt).TypeConverterOption.Format("yyyy-MM-dd");
        Map(r => r.WarrantyEndsAt).Name(GpuCsvColumns.WarrantyEndsAt).TypeConverterOption.Format("yyyy-MM-dd");
        Map(r => r.Notes).Name(GpuCsvColumns.Notes);
    }
}
