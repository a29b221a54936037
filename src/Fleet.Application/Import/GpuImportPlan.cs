namespace Fleet.Application.Import;

/// <summary>A card the file names that the database holds already.</summary>
internal sealed record ExistingGpu(int Id, string Serial, string? Uuid, int? HostId, int? Slot);

/// <summary>A host the file names: where it stands and how many slots it has.</summary>
internal sealed record HostInfo(int Id, string Hostname, int DatacenterId, int Slots);

/// <summary>What the commit writes: new cards, and known cards that change, each with what the database checks resolved.</summary>
internal sealed record GpuImportPlan(
    List<(GpuImportRow Row, int ModelId, int? DatacenterId, HostInfo? Host)> Inserts,
    List<(GpuImportRow Row, int ModelId, int? DatacenterId, HostInfo? Host, ExistingGpu Existing)> Updates)
{
    /// <summary>Known serials whose row would change nothing: neither written nor audited.</summary>
    public int Unchanged { get; set; }
}

/// <summary>A row the domain refused while applying it to its card: where, and the domain's reason.</summary>
internal sealed class RowRefusedException(string column, string? value, string message) : Exception(message)
{
    public string Column { get; } = column;
    public string? Value { get; } = value;
}
