using CsvHelper;
using CsvHelper.Configuration;

namespace Fleet.Application.Import;

/// <summary>One record of a GPU CSV that is well-formed (quotes closed, as many fields as the header), with its first line.</summary>
internal sealed record GpuCsvLine(int Line, GpuCsvImportRow Row);

/// <summary>
/// The reading stage: CsvHelper reads the header (known columns, each once, the required ones present) and the records
/// of decoded text, counting lines as the file does (blank lines and lines inside a quoted value count). A malformed
/// record is an error with its line and is skipped; no field is judged here.
/// </summary>
internal static class GpuCsvReader
{
    /// <summary>
    /// The well-formed records; every problem goes to <paramref name="errors"/>. Stops when the errors are full, or at the
    /// first record after <paramref name="acceptedRows"/> (the rows the caller kept) reached <paramref name="maxRows"/>.
    /// </summary>
    public static IEnumerable<GpuCsvLine> Read(TextReader text, string delimiter, ImportErrorList errors, int maxRows, Func<int> acceptedRows)
    {
        var badData = new List<(int Line, string Field)>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            HasHeaderRecord = true,
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            BadDataFound = a => badData.Add((a.Context.Parser?.RawRow ?? 0, a.Field)),
            // Blank lines are skipped below, so that every raw record counts its own lines.
            IgnoreBlankLines = false,
            MaxFieldSize = ImportSpool.MaxFieldChars,
        };
        using var csv = new CsvReader(text, config);
        csv.Context.RegisterClassMap<GpuCsvImportRowMap>();
        var nextLine = 1;
        int Advance()
        {
            var line = nextLine;
            nextLine += csv.Parser.RawRecord.AsSpan().Count('\n');
            return line;
        }

        bool IsBlank() => csv.Parser.RawRecord.AsSpan().TrimEnd("\r\n").IsEmpty;

        bool ReadRecord()
        {
            while (csv.Read())
            {
                if (!IsBlank())
                {
                    return true;
                }

                Advance();
            }

            return false;
        }

        // A record that CsvHelper cannot read at all ends the file; an iterator cannot catch around a yield, so this does.
        bool TryReadRecord(out bool more)
        {
            try
            {
                more = ReadRecord();
                return true;
            }
            catch (CsvHelperException ex)
            {
                errors.Add(nextLine, "", null, ex is MaxFieldSizeException
                    ? $"A value here is longer than {ImportSpool.MaxFieldChars:N0} characters; nothing after it was read."
                    : $"The CSV cannot be read past here: {FirstLine(ex.Message)}");
                more = false;
                return false;
            }
        }

        if (!ReadRecord())
        {
            errors.Add(1, "", null, "The file has no header line.");
            yield break;
        }

        var headerLine = Advance();
        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        if (!CheckHeader(header, headerLine, errors))
        {
            yield break;
        }

        while (TryReadRecord(out var more) && more)
        {
            var raw = csv.Parser.RawRecord;
            var line = Advance();
            if (acceptedRows() >= maxRows)
            {
                errors.Add(line, "", null, $"The file has more than {maxRows:N0} rows; split it.");
                yield break;
            }

            if (raw.Count('"') % 2 == 1)
            {
                badData.Clear();
                errors.Add(line, "", Shorten(raw.TrimEnd('\r', '\n')),
                    "A quoted value is not closed (unterminated quote): every '\"' that opens a value needs one that closes it.");
                continue;
            }

            if (badData.Count > 0)
            {
                var field = badData[^1].Field;
                badData.Clear();
                errors.Add(line, "", Shorten(field), "A quote appears inside an unquoted value; quote the whole value and double the inner quotes.");
                continue;
            }

            if (csv.Parser.Count != header.Length)
            {
                errors.Add(line, "", null,
                    $"This row has {csv.Parser.Count} fields; the header has {header.Length}. Check for an unquoted '{delimiter}' in a value.");
                continue;
            }

            yield return new GpuCsvLine(line, csv.GetRecord<GpuCsvImportRow>());
            if (errors.Full)
            {
                yield break;
            }
        }
    }

    /// <summary>Every column known and named once, the required ones present; false (with the errors) otherwise.</summary>
    private static bool CheckHeader(string[] header, int headerLine, ImportErrorList errors)
    {
        var before = errors.Count;
        var known = new HashSet<string>(GpuCsvColumns.All, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            var name = header[i].Trim().ToLowerInvariant();
            if (name.Length == 0)
            {
                errors.Add(headerLine, $"#{i + 1}", header[i], $"Column {i + 1} has no name. Valid columns: {string.Join(", ", GpuCsvColumns.All)}.");
            }
            else if (!known.Contains(name))
            {
                errors.Add(headerLine, Shorten(header[i])!, Shorten(header[i]), $"Unknown column '{Shorten(header[i])}'. Valid columns: {string.Join(", ", GpuCsvColumns.All)}.");
            }
            else if (!seen.Add(name))
            {
                errors.Add(headerLine, header[i], header[i], $"Column '{name}' appears more than once.");
            }
        }

        foreach (var required in GpuCsvColumns.Required.Where(r => !seen.Contains(r)))
        {
            errors.Add(headerLine, required, null, $"Missing required column '{required}'. Found: {Shorten(string.Join(", ", header))}.");
        }

        return errors.Count == before;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>A value as an error quotes it: at most 120 characters.</summary>
    internal static string? Shorten(string? s) => s is { Length: > 120 } ? s[..117] + "..." : s;
}
