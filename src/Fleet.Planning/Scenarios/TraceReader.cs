using System.Globalization;
using System.Text.Json;

namespace Fleet.Planning.Scenarios;

/// <summary>
/// Reads a request trace: a CSV with header <c>arrival_timestamp,prompt_tokens,output_tokens</c>, or (a <c>.jsonl</c> file) one
/// JSON object per line with those three names; seconds, non-decreasing.
/// </summary>
public static class TraceReader
{
    /// <summary>The header a trace must start with.</summary>
    public const string Header = "arrival_timestamp,prompt_tokens,output_tokens";

    /// <summary>
    /// Reads the trace at <paramref name="path"/>, shifting times so the first arrival is at 0 and keeping arrivals before
    /// <paramref name="durationSeconds"/> when given. Problems go to <paramref name="errors"/> as "jsonPath: line N: ...".
    /// </summary>
    public static IReadOnlyList<TraceEntry>? Read(string path, string jsonPath, double? durationSeconds, List<string> errors, int maxErrors = 20)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{jsonPath}: cannot read trace '{path}': {ex.Message}");
            return null;
        }

        var before = errors.Count;
        void Fail(int line, string message)
        {
            if (errors.Count - before < maxErrors)
            {
                errors.Add($"{jsonPath}: {Path.GetFileName(path)} line {line}: {message}");
            }
        }

        var jsonLines = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);
        if (!jsonLines && (lines.Length == 0 || !string.Equals(lines[0].Trim().TrimStart('\uFEFF').Replace(" ", "", StringComparison.Ordinal), Header, StringComparison.OrdinalIgnoreCase)))
        {
            Fail(1, $"header must be '{Header}' (or name the file .jsonl for one JSON object per line)");
            return null;
        }

        var entries = new List<TraceEntry>(lines.Length);
        var last = double.NegativeInfinity;
        for (var i = jsonLines ? 0 : 1; i < lines.Length; i++)
        {
            var line = lines[i].Trim().TrimStart('\uFEFF');
            if (line.Length == 0)
            {
                continue;
            }

            var fields = jsonLines ? JsonFields(line, out var problem) : CsvFields(line, out problem);
            if (fields is not { } f)
            {
                Fail(i + 1, problem!);
                continue;
            }

            if (!double.TryParse(f.Arrival, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t) || t < 0)
            {
                Fail(i + 1, $"arrival_timestamp '{f.Arrival}' is not a number of seconds >= 0");
                continue;
            }

            if (t < last)
            {
                Fail(i + 1, $"arrival_timestamp {f.Arrival} is earlier than the line before; the trace must be sorted");
                continue;
            }

            if (!int.TryParse(f.Prompt, NumberStyles.Integer, CultureInfo.InvariantCulture, out var prompt) || prompt < 1)
            {
                Fail(i + 1, $"prompt_tokens '{f.Prompt}' is not an integer >= 1");
                continue;
            }

            if (!int.TryParse(f.Output, NumberStyles.Integer, CultureInfo.InvariantCulture, out var output) || output < 1)
            {
                Fail(i + 1, $"output_tokens '{f.Output}' is not an integer >= 1");
                continue;
            }

            last = t;
            entries.Add(new TraceEntry(t, prompt, output));
        }

        if (errors.Count > before)
        {
            return null;
        }

        if (entries.Count == 0)
        {
            Fail(jsonLines ? 1 : 2, "the trace holds no requests");
            return null;
        }

        var origin = entries[0].ArrivalSeconds;
        var shifted = new List<TraceEntry>(entries.Count);
        foreach (var e in entries)
        {
            var at = e.ArrivalSeconds - origin;
            if (durationSeconds is { } d && at >= d)
            {
                break;
            }

            shifted.Add(e with { ArrivalSeconds = at });
        }

        return shifted;
    }

    private readonly record struct RawFields(string Arrival, string Prompt, string Output);

    private static RawFields? CsvFields(string line, out string? problem)
    {
        var f = line.Split(',');
        if (f.Length != 3)
        {
            problem = $"expected 3 fields, got {f.Length}";
            return null;
        }

        problem = null;
        return new RawFields(f[0].Trim(), f[1].Trim(), f[2].Trim());
    }

    /// <summary>One JSON object with exactly the CSV's three names, numbers as JSON numbers.</summary>
    private static RawFields? JsonFields(string line, out string? problem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            problem = $"not a JSON object: {ex.Message}";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = $"expected a JSON object {{ \"arrival_timestamp\", \"prompt_tokens\", \"output_tokens\" }}, got {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
                return null;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!s_jsonNames.Contains(property.Name))
                {
                    problem = $"unknown field '{property.Name}' (expected {string.Join(", ", s_jsonNames)})";
                    return null;
                }

                if (property.Value.ValueKind != JsonValueKind.Number)
                {
                    problem = $"{property.Name} must be a number, got {property.Value.ValueKind.ToString().ToLowerInvariant()} {property.Value.GetRawText()}";
                    return null;
                }

                values[property.Name] = property.Value.GetRawText();
            }

            var missing = s_jsonNames.Where(n => !values.ContainsKey(n)).ToList();
            if (missing.Count > 0)
            {
                problem = $"missing {string.Join(", ", missing)}";
                return null;
            }

            problem = null;
            return new RawFields(values["arrival_timestamp"], values["prompt_tokens"], values["output_tokens"]);
        }
    }

    private static readonly string[] s_jsonNames = ["arrival_timestamp", "prompt_tokens", "output_tokens"];
}
