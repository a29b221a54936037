using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Cli.Agent;

/// <summary>A device as the agent reports it when claiming (DESIGN.md, "The agent protocol").</summary>
public sealed record AgentDevice(string? Uuid, string? Serial, string? PciBusId, string Name);

/// <summary>Body of <c>POST /api/agent/claim</c>; <see cref="Capabilities"/> names the job kinds besides burn-in this agent runs (<c>profile</c>).</summary>
public sealed record ClaimRequest(string Host, string AgentId, IReadOnlyList<AgentDevice> Devices, IReadOnlyList<string>? Capabilities = null);

/// <summary>A card the server expects on the claimed host.</summary>
public sealed record JobCard
{
    public required string Serial { get; init; }
    public string? Uuid { get; init; }
    [JsonConverter(typeof(IdConverter))]
    public string? Slot { get; init; }
}

/// <summary>The 200 answer of <c>POST /api/agent/claim</c>: the job this agent now holds.</summary>
public sealed record ClaimedJob
{
    [JsonConverter(typeof(IdConverter))]
    public required string JobId { get; init; }
    [JsonConverter(typeof(IdConverter))]
    public string? CampaignId { get; init; }
    /// <summary>quick, standard or extended.</summary>
    public required string Level { get; init; }
    /// <summary>The campaign's stress-time override; null keeps the level's.</summary>
    public double? DurationSeconds { get; init; }
    public double LeaseSeconds { get; init; }
    public IReadOnlyList<JobCard> Cards { get; init; } = [];
    /// <summary>The server's protocol version (absent before 2, which had burn-in jobs only).</summary>
    public int Protocol { get; init; } = 1;
    /// <summary>burnin (or absent) or profile.</summary>
    public string? Kind { get; init; }
    /// <summary>A profile job's model preset and dtype.</summary>
    public string? Preset { get; init; }
    public string? Dtype { get; init; }

    /// <summary>True for a job that measures an inference profile instead of burning in.</summary>
    public bool IsProfile => string.Equals(Kind, JobKinds.Profile, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The job kinds of the agent protocol (version 2).</summary>
public static class JobKinds
{
    public const string BurnIn = "burnin";
    public const string Profile = "profile";
}

/// <summary>Body of <c>POST /api/agent/jobs/{id}/heartbeat</c>.</summary>
public sealed record HeartbeatRequest(string Phase, double Percent);

/// <summary>The JSON settings of the agent protocol (web defaults: camelCase, case-insensitive reads).</summary>
public static class AgentJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>Reads an id the server may send as a number or a string; keeps it as the string the routes use.</summary>
public sealed class IdConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"an id must be a string or a number, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
