using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Fleet.Application.Export;

/// <summary>
/// CSV for spreadsheets: UTF-8 with a BOM, invariant numbers written raw, and text cells that a spreadsheet could run
/// as a formula prefixed with a quote so they stay text (see <see cref="NeedsEscape"/>).
/// </summary>
public static class SafeCsv
{
    /// <summary>The prefix that keeps a cell text.</summary>
    public const char EscapeCharacter = '\'';

    private static readonly char[] s_formulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    /// <summary>The characters a spreadsheet may split a cell on when it guesses the delimiter itself.</summary>
    private static readonly char[] s_separators = [',', ';'];

    public static CsvConfiguration Configuration { get; } = new(CultureInfo.InvariantCulture)
    {
        // Escape makes CsvHelper call the writer's sanitizer; SafeCsvWriter replaces the sanitizer's rule with NeedsEscape.
        InjectionOptions = InjectionOptions.Escape,
        InjectionCharacters = s_formulaStarts,
        InjectionEscapeCharacter = EscapeCharacter,
    };

    /// <summary>
    /// Whether a spreadsheet could read <paramref name="value"/> as a formula: the cell, or any piece of it after splitting
    /// on ',' or ';' (a spreadsheet that guesses the delimiter splits there), starts with = + - @ tab or CR once leading
    /// spaces and quotes are dropped. A value that already starts with the escape character is escaped again when the
    /// rest would need it, so <see cref="Unescape"/> is the exact inverse.
    /// </summary>
    public static bool NeedsEscape(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        if (value[0] == EscapeCharacter)
        {
            return NeedsEscape(value[1..]);
        }

        foreach (var range in value.SplitAny(s_separators))
        {
            var piece = value[range].TrimStart(" \"");
            if (!piece.IsEmpty && s_formulaStarts.Contains(piece[0]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The value as it was before <see cref="Escape"/>: strips the escape character where the export added it.</summary>
    public static string Unescape(string value) =>
        value.Length > 1 && value[0] == EscapeCharacter && NeedsEscape(value.AsSpan(1)) ? value[1..] : value;

    /// <summary>The value as a spreadsheet-safe text cell.</summary>
    public static string Escape(string value) => NeedsEscape(value) ? EscapeCharacter + value : value;

    /// <summary>A writer over <paramref name="stream"/> that starts with the UTF-8 BOM and leaves the stream open.</summary>
    public static CsvWriter CreateWriter(Stream stream)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        return new SafeCsvWriter(writer);
    }

    /// <summary>Writes <paramref name="rows"/> with <typeparamref name="TMap"/> as CSV to <paramref name="stream"/>.</summary>
    public static async Task WriteAsync<TRow, TMap>(Stream stream, IAsyncEnumerable<TRow> rows, CancellationToken ct)
        where TMap : ClassMap<TRow>
    {
        await using var csv = CreateWriter(stream);
        csv.Context.RegisterClassMap<TMap>();
        csv.WriteHeader<TRow>();
        await csv.NextRecordAsync();
        await foreach (var row in rows.WithCancellation(ct))
        {
            csv.WriteRecord(row);
            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
    }
}

/// <summary>A CsvHelper writer with <see cref="SafeCsv"/>'s configuration and its formula rule.</summary>
public class SafeCsvWriter(TextWriter writer) : CsvWriter(writer, SafeCsv.Configuration)
{
    /// <summary>CsvHelper passes the field already quoted when it needed quotes; the rule is applied to the value inside.</summary>
    protected override string? SanitizeForInjection(string? field)
    {
        if (string.IsNullOrEmpty(field))
        {
            return field;
        }

        var quoted = field.Length >= 2 && field[0] == '"' && field[^1] == '"';
        var value = quoted ? field[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : field;
        if (!SafeCsv.NeedsEscape(value))
        {
            return field;
        }

        return quoted ? "\"" + SafeCsv.EscapeCharacter + field[1..] : SafeCsv.EscapeCharacter + field;
    }
}
