namespace Fleet.Application.Import;

/// <summary>One problem with an import: the file's line (header = 1), the column, the offending value and what is wrong.</summary>
public sealed record ImportError(int Line, string Column, string? Value, string Message);

/// <summary>What an import did, or would do on a dry run. Any error means nothing was written.</summary>
public sealed record ImportResult(bool DryRun, int Inserted, int Updated, IReadOnlyList<ImportError> Errors)
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
}
