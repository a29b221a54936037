using System.Text.Json;

namespace Fleet.Web.Components.Shared;

/// <summary>One field that an audited change altered, as text for the audit trail.</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>Turns an audit entry's before/after JSON snapshots into the list of fields that changed.</summary>
public static class AuditDiff
{
    /// <summary>
    /// The top-level fields whose values differ between the two snapshots (a missing field counts as null), in the
    /// order they first appear; malformed JSON yields a single "(snapshot)" change rather than an error.
    /// </summary>
    public static IReadOnlyList<FieldChange> Compute(string? beforeJson, string? afterJson)
    {
        Dictionary<string, string?> before, after;
        List<string> order = [];
        try
        {
            before = Read(beforeJson, order);
            after = Read(afterJson, order);
        }
        catch (JsonException)
        {
            return beforeJson == afterJson ? [] : [new FieldChange("(snapshot)", beforeJson, afterJson)];
        }

        return order
            .Select(f => new FieldChange(f, before.GetValueOrDefault(f), after.GetValueOrDefault(f)))
            .Where(c => c.Before != c.After)
            .ToList();
    }

    /// <summary>
    /// The change as a reader wants it: id fields named for what they point at ("hostId" → "host") and ids replaced by
    /// the names in <paramref name="references"/> (keys "field:id"); an id without a name stays as it is.
    /// </summary>
    public static FieldChange Readable(FieldChange change, IReadOnlyDictionary<string, string>? references)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!s_idFields.TryGetValue(change.Field, out var label))
        {
            return change;
        }

        string? Name(string? id) => id is not null && references?.GetValueOrDefault($"{change.Field}:{id}") is { } name ? name : id;
        return new FieldChange(label, Name(change.Before), Name(change.After));
    }

    private static readonly Dictionary<string, string> s_idFields = new(StringComparer.Ordinal)
    {
        ["gpuModelId"] = "model",
        ["datacenterId"] = "datacenter",
        ["hostId"] = "host",
    };

    private static Dictionary<string, string?> Read(string? json, List<string> order)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return fields;
        }

        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("An audit snapshot is not a JSON object.");
        }

        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!order.Contains(p.Name))
            {
                order.Add(p.Name);
            }

            fields[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.String => p.Value.GetString(),
                _ => p.Value.GetRawText(),
            };
        }

        return fields;
    }
}
