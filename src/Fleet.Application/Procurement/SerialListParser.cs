using CsvHelper;
using CsvHelper.Configuration;
using Fleet.Application.Import;
using Fleet.Domain.Inventory;

namespace Fleet.Application.Procurement;

/// <summary>One serial of a delivery, with the model the packing list gives for it (if any) and the line it came from.</summary>
public sealed record SerialRow(int Line, string Serial, string? Model);

/// <summary>
/// Reads a delivery's serial list with CsvHelper: either a vendor packing list with a header naming <c>serial</c> (and
/// optionally <c>model</c>; comma, semicolon, tab or pipe, detected as the GPU import detects it), or pasted text with
/// one serial per line.
/// </summary>
public static partial class SerialListParser
{
    public static IReadOnlyList<string> Columns { get; } = ["serial", "model"];

    /// <summary>The rows that parsed; every problem goes to <paramref name="errors"/> with line and column.</summary>
    public static List<SerialRow> Parse(string? text, int maxRows, List<ImportError> errors)
    {
        var rows = new List<SerialRow>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return rows;
        }

        text = text.TrimStart('\uFEFF');
        var firstLine = text.Split('\n').FirstOrDefault(l => l.Trim().Length > 0) ?? "";
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false, Delimiter = CsvDelimiters.Detect(firstLine), TrimOptions = TrimOptions.Trim, IgnoreBlankLines = true,
            BadDataFound = null, MissingFieldFound = null, DetectColumnCountChanges = false,
        };
        using var reader = new StringReader(text);
        using var csv = new CsvReader(reader, config);
        if (!csv.Read())
        {
            return rows;
        }

        // The first record is the header when it names 'serial'; the delimiter is CsvHelper's detection on that line.
        var headerCells = (csv.Parser.Record ?? []).Select(c => c.Trim().ToLowerInvariant()).ToList();
        var hasHeader = headerCells.Contains("serial");
        int serialIndex = 0, modelIndex = -1;
        if (hasHeader)
        {
            var headerLine = csv.Parser.RawRow;
            for (var i = 0; i < headerCells.Count; i++)
            {
                if (!Columns.Contains(headerCells[i]))
                {
                    errors.Add(new ImportError(headerLine, headerCells[i], headerCells[i],
                        $"Unknown column '{headerCells[i]}'. Valid columns: {string.Join(", ", Columns)}."));
                }
            }

            if (headerCells.Count(c => c == "serial") > 1 || headerCells.Count(c => c == "model") > 1)
            {
                errors.Add(new ImportError(headerLine, "", csv.Parser.RawRecord.Trim(), "A column is named twice in the header."));
            }

            serialIndex = headerCells.IndexOf("serial");
            modelIndex = headerCells.IndexOf("model");
            if (errors.Count > 0)
            {
                return rows;
            }
        }

        for (var more = !hasHeader || csv.Read(); more; more = csv.Read())
        {
            var line = csv.Parser.RawRow;
            if (rows.Count >= maxRows)
            {
                errors.Add(new ImportError(line, "", null, string.Create(CultureInfo.InvariantCulture,
                    $"A delivery holds at most {maxRows} serials; split it.")));
                break;
            }

            var fields = csv.Parser.Record ?? [];
            if (!hasHeader && fields.Length > 1 && fields.Skip(1).Any(f => f.Length > 0))
            {
                errors.Add(new ImportError(line, "serial", csv.Parser.RawRecord.TrimEnd(),
                    "Expected one serial per line; a packing list with several columns needs a header naming 'serial'."));
                continue;
            }

            var serial = fields.Length > serialIndex ? fields[serialIndex].Trim() : "";
            var model = modelIndex >= 0 && fields.Length > modelIndex && fields[modelIndex].Trim().Length > 0 ? fields[modelIndex].Trim() : null;
            if (serial.Length == 0)
            {
                errors.Add(new ImportError(line, "serial", null, "The serial is empty."));
                continue;
            }

            if (!GpuSerial.IsValid(serial))
            {
                errors.Add(new ImportError(line, "serial", serial, GpuSerial.Rule));
                continue;
            }

            rows.Add(new SerialRow(line, serial, model));
        }

        return rows;
    }
}
