using System.Text.Json;
using System.Text.Json.Serialization;
using Fleet.Domain.Inventory;

namespace Fleet.Application.Audit;

/// <summary>Builds audit entries with before/after snapshots as JSON.</summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Snapshot<T>(T value) => JsonSerializer.Serialize(value, s_json);

    public static AuditEntry Entry(Actor actor, DateTime at, string entityType, string key, string action,
        object? before, object? after, string? message = null) => new()
    {
        At = at,
        Actor = actor.Name,
        RequestId = actor.RequestId,
        EntityType = entityType,
        EntityKey = key,
        Action = action,
        BeforeJson = before is null ? null : Snapshot(before),
        AfterJson = after is null ? null : Snapshot(after),
        Message = message,
    };

    /// <summary>Snapshot fields (camelCase, as written) that hold ids of other records.</summary>
    public const string ModelField = "gpuModelId";

    public const string DatacenterField = "datacenterId";

    public const string HostField = "hostId";

    /// <summary>The model, datacenter and host ids that the given snapshots mention, by field; malformed JSON is skipped.</summary>
    public static IReadOnlyDictionary<string, HashSet<int>> ReferencedIds(IEnumerable<string?> snapshots)
    {
        var ids = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var json in snapshots)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var field in (string[])[ModelField, DatacenterField, HostField])
                {
                    if (doc.RootElement.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var id))
                    {
                        (ids.TryGetValue(field, out var set) ? set : ids[field] = []).Add(id);
                    }
                }
            }
            catch (JsonException)
            {
            }
        }

        return ids;
    }

    /// <summary>The audited fields of a card: what a reader of its history wants to compare.</summary>
    public static object GpuState(Gpu g) => new
    {
        g.Serial, g.Uuid, g.AssetTag, g.BoardPartNumber, g.Vbios, g.GpuModelId, Status = g.Status.ToString(), g.UnitCost, g.Currency,
        g.PoNumber, g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.DatacenterId, g.HostId, g.Slot, g.Notes,
    };
}
