using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fleet.Web.Components.Pages.Rma;

/// <summary>An RMA case's evidence when it is the JSON a burn-in attaches (identity, failing findings, the run); null for free text.</summary>
public sealed record RmaEvidenceView(IReadOnlyList<(string Label, string Value)> Identity, IReadOnlyList<RmaEvidenceFinding> Findings, string Pretty)
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private static readonly string[] s_identity = ["serial", "uuid", "vbios", "boardPartNumber", "pciBusId", "model", "runId", "standIn", "startedAt", "endedAt"];

    public static RmaEvidenceView? Parse(string? evidence)
    {
        if (string.IsNullOrWhiteSpace(evidence) || !evidence.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(evidence) is not JsonObject root)
            {
                return null;
            }

            var identity = s_identity.Where(k => root[k] is JsonValue).Select(k => (k, Text(root[k]))).ToList();
            var findings = (root["findings"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(f => new RmaEvidenceFinding(Text(f["code"]), Text(f["severity"]), Text(f["message"]), f["evidence"]?.ToJsonString()))
                .ToList();
            return new RmaEvidenceView(identity, findings, root.ToJsonString(s_indented));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "";
}

public sealed record RmaEvidenceFinding(string Code, string Severity, string Message, string? Evidence);
