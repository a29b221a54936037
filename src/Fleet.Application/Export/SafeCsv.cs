using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Fleet.Application.Export;

/// <summary>
/// CSV for spreadsheets: UTF-8 with a BOM, invariant numbers written raw, and text cells that a spreadsheet would run
/// as a formula (starting with = + - @ tab or CR) prefixed with a quote so they stay text.
/// </summary>
public static class SafeCsv
{
    private static readonly char[] s_formulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    public static CsvConfiguration Configuration { get; } = new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        InjectionCharacters = s_formulaStarts,
        InjectionEscapeCharacter = '\'',
    };

    /// <summary>A writer over <paramref name="stream"/> that starts with the UTF-8 BOM and leaves the stream open.</summary>
    public static CsvWriter CreateWriter(Stream stream)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        return new CsvWriter(writer, Configuration);
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
