using System.Text;
using Fleet.Application.Export;
using MiniExcelLibs;

namespace Fleet.Application.Reports;

/// <summary>Writes a report as formula-safe CSV (through <see cref="SafeCsv"/>: BOM, raw numbers) or as XLSX (MiniExcel).</summary>
public static class ReportExporter
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>
    /// SafeCsv's configuration, except that cells the report types as numbers skip the formula escape: CsvHelper would
    /// otherwise turn a negative amount such as -12000 into the text '-12000. Text cells are escaped as ever.
    /// </summary>
    private sealed class ReportCsvWriter(TextWriter writer) : SafeCsvWriter(writer)
    {
        public bool Raw { get; set; }

        protected override string? SanitizeForInjection(string? field) => Raw ? field : base.SanitizeForInjection(field);
    }

    public static async Task WriteCsvAsync(ReportTable table, Stream stream, CancellationToken ct)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024, leaveOpen: true);
        await using var csv = new ReportCsvWriter(writer);
        foreach (var column in table.Columns)
        {
            csv.WriteField(column.Name);
        }

        await csv.NextRecordAsync();
        foreach (var row in table.Rows)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var cell in row.Cells)
            {
                csv.Raw = cell is decimal or double or int;
                switch (cell)
                {
                    case null:
                        csv.WriteField("", shouldQuote: false);
                        break;
                    case DateOnly d:
                        csv.WriteField(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                        break;
                    case decimal m:
                        csv.WriteField(m.ToString(CultureInfo.InvariantCulture), shouldQuote: false);
                        break;
                    case double x:
                        csv.WriteField(x.ToString("R", CultureInfo.InvariantCulture), shouldQuote: false);
                        break;
                    case int i:
                        csv.WriteField(i.ToString(CultureInfo.InvariantCulture), shouldQuote: false);
                        break;
                    default:
                        csv.WriteField(Convert.ToString(cell, CultureInfo.InvariantCulture));
                        break;
                }
            }

            csv.Raw = false;
            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
    }

    /// <summary>One sheet named after the report; numbers stay numbers, dates become dates, text stays text (never a formula).</summary>
    public static async Task WriteXlsxAsync(ReportTable table, Stream stream, CancellationToken ct)
    {
        var rows = table.Rows.Select(r =>
        {
            var dict = new Dictionary<string, object?>(table.Columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < table.Columns.Count; i++)
            {
                dict[table.Columns[i].Name] = r.Cells[i] is DateOnly d ? d.ToDateTime(TimeOnly.MinValue) : r.Cells[i];
            }

            return dict;
        }).ToList();
        if (rows.Count == 0)
        {
            rows.Add(table.Columns.ToDictionary(c => c.Name, _ => (object?)null, StringComparer.Ordinal));
        }

        using var buffer = new MemoryStream();
        await buffer.SaveAsAsync(rows, sheetName: table.Name, excelType: ExcelType.XLSX, cancellationToken: ct);
        buffer.Position = 0;
        await buffer.CopyToAsync(stream, ct);
    }
}
