namespace Fleet.Application.Import;

/// <summary>The checks within the file, after each row passed its own: no serial, uuid or host slot twice.</summary>
internal static class GpuFileChecks
{
    /// <summary>Duplicates inside the file: serials, UUIDs and host slots.</summary>
    public static void Check(IReadOnlyList<GpuImportRow> rows, ImportErrorList errors)
    {
        var serials = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var uuids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var slots = new Dictionary<(string, int), int>();
        foreach (var row in rows)
        {
            if (!serials.TryAdd(row.Serial, row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Serial, row.Serial, $"Duplicate serial: already on line {serials[row.Serial]}.");
            }

            if (row.Uuid is not null && !uuids.TryAdd(row.Uuid, row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Uuid, row.Uuid, $"Duplicate uuid: already on line {uuids[row.Uuid]}.");
            }

            if (row.Host is not null && row.Slot is { } slot && !slots.TryAdd((row.Host.ToUpperInvariant(), slot), row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Slot, slot.ToString(CultureInfo.InvariantCulture),
                    $"Slot {slot} of host {row.Host} is already taken on line {slots[(row.Host.ToUpperInvariant(), slot)]}.");
            }
        }
    }
}
