using System.Globalization;

namespace Fleet.Planning.Scenarios;

/// <summary>Reads a request trace CSV: header <c>arrival_timestamp,prompt_tokens,output_tokens</c>, seconds, non-decreasing.</summary>
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

        if (lines.Length == 0 || !string.Equals(lines[0].Trim().TrimStart('\uFEFF').Replace(" ", "", StringComparison.Ordinal), Header, StringComparison.OrdinalIgnoreCase))
        {
            Fail(1, $"header must be '{Header}'");
            return null;
        }

        var entries = new List<TraceEntry>(lines.Length);
        var last = double.NegativeInfinity;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split(',');
            if (f.Length != 3)
            {
                Fail(i + 1, $"expected 3 fields, got {f.Length}");
                continue;
            }

            if (!double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t) || t < 0)
            {
                Fail(i + 1, $"arrival_timestamp '{f[0].Trim()}' is not a number of seconds >= 0");
                continue;
            }

            if (t < last)
            {
                Fail(i + 1, $"arrival_timestamp {f[0].Trim()} is earlier than the line before; the trace must be sorted");
                continue;
            }

            if (!int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var prompt) || prompt < 1)
            {
                Fail(i + 1, $"prompt_tokens '{f[1].Trim()}' is not an integer >= 1");
                continue;
            }

            if (!int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var output) || output < 1)
            {
                Fail(i + 1, $"output_tokens '{f[2].Trim()}' is not an integer >= 1");
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
            Fail(2, "the trace holds no requests");
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
}
