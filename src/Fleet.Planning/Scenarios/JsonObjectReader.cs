using System.Globalization;
using System.Text.Json;

namespace Fleet.Planning.Scenarios;

/// <summary>A numeric bound with the wording used in error messages.</summary>
internal readonly record struct Bound(double Min, bool MinExclusive, double Max, bool MaxExclusive)
{
    public static Bound NonNegative => new(0, false, double.PositiveInfinity, false);

    public static Bound Between(double min, bool minExclusive, double max, bool maxExclusive) => new(min, minExclusive, max, maxExclusive);

    public bool Holds(double x) =>
        (MinExclusive ? x > Min : x >= Min) && (MaxExclusive ? x < Max : x <= Max);

    public string Describe()
    {
        static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
        var low = double.IsNegativeInfinity(Min) ? null : (MinExclusive ? "> " : ">= ") + F(Min);
        var high = double.IsPositiveInfinity(Max) ? null : (MaxExclusive ? "< " : "<= ") + F(Max);
        return (low, high) switch
        {
            (not null, not null) => $"must be {low} and {high}",
            (not null, null) => $"must be {low}",
            (null, not null) => $"must be {high}",
            _ => "must be a number",
        };
    }
}

/// <summary>
/// Reads one JSON object strictly: every field it is asked for is recorded, wrong types and bounds become errors with
/// their JSON path, and <see cref="RejectUnknown"/> reports every field nobody asked for.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _element;
    private readonly List<string> _errors;
    private readonly List<string> _known = [];

    private JsonObjectReader(JsonElement element, string path, List<string> errors)
    {
        _element = element;
        Path = path;
        _errors = errors;
    }

    public string Path { get; }

    public static JsonObjectReader? Open(JsonElement element, string path, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: must be an object, got {Describe(element)}");
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                errors.Add($"{path}.{property.Name}: appears more than once");
            }
        }

        return new JsonObjectReader(element, path, errors);
    }

    public string Child(string name) => $"{Path}.{name}";

    public void Error(string name, string message) => _errors.Add($"{Child(name)}: {message}");

    /// <summary>The field's value, or null (recording "is required" when it must be there) when absent or JSON null.</summary>
    public JsonElement? Get(string name, bool required)
    {
        if (!_known.Contains(name))
        {
            _known.Add(name);
        }

        if (_element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }

        if (required)
        {
            _errors.Add($"{Child(name)}: is required");
        }

        return null;
    }

    public bool Has(string name) => _element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public double? Number(string name, bool required, Bound bound)
    {
        if (Get(name, required) is not { } value)
        {
            return null;
        }

        return ReadNumber(value, Child(name), bound, _errors);
    }

    public long? Integer(string name, bool required, Bound bound)
    {
        if (Get(name, required) is not { } value)
        {
            return null;
        }

        return ReadInteger(value, Child(name), bound, _errors);
    }

    public string? Text(string name, bool required)
    {
        if (Get(name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(name, $"must be a string, got {Describe(value)}");
            return null;
        }

        var s = value.GetString()!;
        if (string.IsNullOrWhiteSpace(s))
        {
            Error(name, "must not be empty");
            return null;
        }

        return s;
    }

    /// <summary>A string that must be one of <paramref name="allowed"/> (exact match).</summary>
    public string? Choice(string name, bool required, IReadOnlyList<string> allowed)
    {
        var s = Text(name, required);
        if (s is not null && !allowed.Contains(s, StringComparer.Ordinal))
        {
            Error(name, $"unknown value '{s}' (expected one of: {string.Join(", ", allowed)})");
            return null;
        }

        return s;
    }

    public bool? Boolean(string name, bool required)
    {
        if (Get(name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(name, $"must be true or false, got {Describe(value)}");
            return null;
        }

        return value.GetBoolean();
    }

    public JsonObjectReader? Object(string name, bool required) =>
        Get(name, required) is { } value ? Open(value, Child(name), _errors) : null;

    public JsonElement? Array(string name, bool required)
    {
        if (Get(name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(name, $"must be an array, got {Describe(value)}");
            return null;
        }

        return value;
    }

    /// <summary>Reports every field that was never asked for, naming the ones that are.</summary>
    public void RejectUnknown()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_known.Contains(property.Name))
            {
                _errors.Add($"{Child(property.Name)}: unknown field (expected one of: {string.Join(", ", _known)})");
            }
        }
    }

    public static double? ReadNumber(JsonElement value, string path, Bound bound, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var x) || !double.IsFinite(x))
        {
            errors.Add($"{path}: must be a number, got {Describe(value)}");
            return null;
        }

        if (!bound.Holds(x))
        {
            errors.Add($"{path}: {bound.Describe()} (got {x.ToString("G", CultureInfo.InvariantCulture)})");
            return null;
        }

        return x;
    }

    public static long? ReadInteger(JsonElement value, string path, Bound bound, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var x))
        {
            errors.Add($"{path}: must be an integer, got {Describe(value)}");
            return null;
        }

        if (!bound.Holds(x))
        {
            errors.Add($"{path}: {bound.Describe()} (got {x.ToString(CultureInfo.InvariantCulture)})");
            return null;
        }

        return x;
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : string.Concat(s.AsSpan(0, 40), "...");
}
