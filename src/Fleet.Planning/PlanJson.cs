using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Planning;

/// <summary>
/// How plan results are written as JSON, by <c>fleet plan ... --json</c> and by the web app's <c>/api/plans</c>: one
/// serializer, so a result from the app is byte for byte what the CLI prints for the same scenario.
/// </summary>
public static class PlanJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The JSON the CLI prints for <paramref name="value"/> (without the trailing newline).</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
