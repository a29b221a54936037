using System.Text.Json;
using System.Text.Json.Serialization;
using Fleet.Application.Common;
using Fleet.Domain.Audit;
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

    /// <summary>The audited fields of a card: what a reader of its history wants to compare.</summary>
    public static object GpuState(Gpu g) => new
    {
        g.Serial, g.Uuid, g.AssetTag, g.BoardPartNumber, g.Vbios, g.GpuModelId, Status = g.Status.ToString(), g.UnitCost, g.Currency,
        g.PoNumber, g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.DatacenterId, g.HostId, g.Slot, g.Notes,
    };
}
