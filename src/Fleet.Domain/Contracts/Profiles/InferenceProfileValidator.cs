using System.Globalization;
using System.Text.Json;
using Fleet.Domain.Catalog;
using Fleet.Domain.Models;

namespace Fleet.Domain.Contracts.Profiles;

/// <summary>A contract document broke its schema: every problem, each starting with its JSON path (HTTP 422).</summary>
public sealed class ContractValidationException(string contract, IReadOnlyList<string> errors)
    : DomainException($"The {contract} document is not valid: {string.Join("; ", errors)}")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// The one check of a <c>fleet.inference-profile/v1</c> document (the schema in this folder, plus the catalog names):
/// the CLI runs it before <c>--report</c> uploads, the server before it stores. Errors start with their JSON path.
/// </summary>
public static class InferenceProfileValidator
{
    private static readonly string[] s_root =
        ["schema", "gpuModel", "device", "model", "dtype", "measuredAtUtc", "toolVersion", "ceilings", "prefill", "decode", "memory", "prefillPoints", "decodePoints", "decodeMbu", "prefillMfu", "decodeByBatch", "requestOverheadSeconds"];

    /// <summary>Every problem of <paramref name="json"/>; empty when it is a valid profile.</summary>
    public static IReadOnlyList<string> Validate(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            return [$"$: not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})"];
        }

        using (doc)
        {
            var errors = new List<string>();
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ["$: must be an object"];
            }

            foreach (var p in root.EnumerateObject().Where(p => !s_root.Contains(p.Name, StringComparer.Ordinal)))
            {
                errors.Add($"$.{p.Name}: unknown field");
            }

            var schema = Text(root, "$", "schema", errors);
            if (schema is not null && schema != PerformanceProfile.CurrentSchema)
            {
                errors.Add($"$.schema: unsupported schema '{schema}' (expected '{PerformanceProfile.CurrentSchema}')");
            }

            var gpu = Text(root, "$", "gpuModel", errors);
            if (gpu is not null && GpuCatalog.Find(gpu) is null && !string.Equals(gpu, "cpu", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"$.gpuModel: unknown GPU model '{gpu}' (known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))}, cpu)");
            }

            var model = Text(root, "$", "model", errors);
            if (model is not null && ModelPresets.Find(model) is null)
            {
                errors.Add($"$.model: unknown model '{model}' (known: {string.Join(", ", ModelPresets.All.Select(m => m.Name))})");
            }

            Text(root, "$", "dtype", errors);
            if (Object(root, "$", "ceilings", errors) is { } ceilings)
            {
                Number(ceilings, "$.ceilings", "bandwidthBytesPerSecond", errors, positive: true);
                Number(ceilings, "$.ceilings", "matmulFlopsPerSecond", errors, positive: true);
            }

            foreach (var fit in new[] { "prefill", "decode" })
            {
                if (Object(root, "$", fit, errors) is { } f)
                {
                    Number(f, $"$.{fit}", "a", errors);
                    Number(f, $"$.{fit}", "b", errors);
                    Number(f, $"$.{fit}", "c", errors);
                }
            }

            if (Object(root, "$", "memory", errors) is { } memory)
            {
                Number(memory, "$.memory", "deviceMemoryBytes", errors, nonNegative: true);
                Number(memory, "$.memory", "weightBytes", errors, nonNegative: true);
                Number(memory, "$.memory", "kvBytesPerToken", errors, nonNegative: true);
            }

            Points(root, "prefillPoints", ["batch", "promptTokens", "seconds"], errors);
            Points(root, "decodePoints", ["batch", "context", "seconds"], errors);
            DecodeByBatch(root, errors);
            if (root.TryGetProperty("requestOverheadSeconds", out var overhead) && overhead.ValueKind != JsonValueKind.Null)
            {
                Number(root, "$", "requestOverheadSeconds", errors, nonNegative: true);
            }

            if (errors.Count == 0 && root.GetProperty("decode") is var d && Value(d, "a") + Value(d, "c") <= 0
                && !root.TryGetProperty("decodePoints", out _))
            {
                errors.Add("$.decode: the decode fit gives no positive step time and there are no decodePoints");
            }

            return errors;
        }
    }

    /// <summary>Throws <see cref="ContractValidationException"/> when <paramref name="json"/> is not a valid profile.</summary>
    public static void ThrowIfInvalid(string json)
    {
        var errors = Validate(json);
        if (errors.Count > 0)
        {
            throw new ContractValidationException(PerformanceProfile.CurrentSchema, errors);
        }
    }

    private static double Value(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;

    private static string? Text(JsonElement o, string path, string name, List<string> errors)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{path}.{name}: is required");
            return null;
        }

        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            errors.Add($"{path}.{name}: must be a non-empty string");
            return null;
        }

        return v.GetString();
    }

    private static JsonElement? Object(JsonElement o, string path, string name, List<string> errors)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{path}.{name}: is required");
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}.{name}: must be an object");
            return null;
        }

        return v;
    }

    private static void Number(JsonElement o, string path, string name, List<string> errors, bool positive = false, bool nonNegative = false)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{path}.{name}: is required");
            return;
        }

        if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
        {
            errors.Add($"{path}.{name}: must be a finite number");
            return;
        }

        var x = v.GetDouble();
        if ((positive && x <= 0) || (nonNegative && x < 0))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}.{name}: must be {(positive ? "> 0" : ">= 0")} (got {x})"));
        }
    }

    /// <summary>Per-batch decode lines: batch ≥ 1 strictly ascending, a and b finite, b ≥ 0.</summary>
    private static void DecodeByBatch(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("decodeByBatch", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add("$.decodeByBatch: must be an array");
            return;
        }

        var i = 0;
        var previous = 0.0;
        foreach (var fit in array.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"$.decodeByBatch[{i++}]");
            if (fit.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}: must be an object");
                continue;
            }

            var before = errors.Count;
            Number(fit, path, "batch", errors, positive: true);
            Number(fit, path, "a", errors);
            Number(fit, path, "b", errors, nonNegative: true);
            if (errors.Count == before)
            {
                var batch = fit.GetProperty("batch").GetDouble();
                if (batch <= previous || batch != Math.Floor(batch))
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}.batch: must be a whole number above the previous entry's {previous} (got {batch})"));
                }

                previous = batch;
            }
        }
    }

    private static void Points(JsonElement root, string name, string[] fields, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"$.{name}: must be an array");
            return;
        }

        var i = 0;
        foreach (var point in array.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"$.{name}[{i++}]");
            if (point.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}: must be an object");
                continue;
            }

            foreach (var field in fields)
            {
                Number(point, path, field, errors, positive: true);
            }
        }
    }
}
