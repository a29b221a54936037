namespace Fleet.Application.Import;

/// <summary>One problem with an import: the file's line (header = 1), the column, the offending value and what is wrong.</summary>
public sealed record ImportError(int Line, string Column, string? Value, string Message);

/// <summary>
/// What an import did, or would do on a dry run. Any error means nothing was written. <see cref="Unchanged"/> counts
/// known serials whose row matched the card already (upsert): they are neither written nor audited.
/// </summary>
public sealed record ImportResult(bool DryRun, int Inserted, int Updated, IReadOnlyList<ImportError> Errors, int Unchanged = 0)
{
    public bool Succeeded => Errors.Count == 0;
}

public enum ImportMode
{
    /// <summary>Every serial must be new.</summary>
    Insert,
    /// <summary>New serials are inserted, known ones updated (empty cells leave a field as it is).</summary>
    Upsert,
}

/// <summary>Limits that keep an import from exhausting the server.</summary>
public sealed class ImportOptions
{
    public int MaxBytes { get; set; } = 20 * 1024 * 1024;
    public int MaxRows { get; set; } = 200_000;
    public int MaxErrors { get; set; } = 1_000;
    /// <summary>The header line is read within this many bytes before any parsing (the known columns need about 200).</summary>
    public int MaxHeaderBytes { get; set; } = 4 * 1024;
    /// <summary>No line (header or row) may have more fields than this; checked before parsing.</summary>
    public int MaxColumns { get; set; } = 64;
}
