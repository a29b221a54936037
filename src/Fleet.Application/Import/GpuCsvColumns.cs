namespace Fleet.Application.Import;

/// <summary>The GPU CSV columns (DESIGN.md "CSV"), shared by import and export.</summary>
public static class GpuCsvColumns
{
    public const string Serial = "serial";
    public const string Model = "model";
    public const string Status = "status";
    public const string Datacenter = "datacenter";
    public const string Host = "host";
    public const string Slot = "slot";
    public const string Uuid = "uuid";
    public const string AssetTag = "asset_tag";
    public const string BoardPartNumber = "board_part_number";
    public const string Vbios = "vbios";
    public const string PoNumber = "po_number";
    public const string UnitCost = "unit_cost";
    public const string Currency = "currency";
    public const string ReceivedAt = "received_at";
    public const string InServiceAt = "in_service_at";
    public const string WarrantyEndsAt = "warranty_ends_at";
    public const string Notes = "notes";

    public static IReadOnlyList<string> All { get; } =
    [
        Serial, Model, Status, Datacenter, Host, Slot, Uuid, AssetTag, BoardPartNumber, Vbios, PoNumber, UnitCost, Currency,
        ReceivedAt, InServiceAt, WarrantyEndsAt, Notes,
    ];

    public static IReadOnlyList<string> Required { get; } = [Serial, Model];
}
