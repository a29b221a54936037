using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Import;

/// <summary>How an upsert row changes its card; used to judge the row (on a detached copy) and again to commit it.</summary>
internal static class GpuRowApplier
{
    /// <summary>
    /// Applies an upsert row to its card: given cells replace fields (a date naming the stored day is no change), a new
    /// host and slot place it, and a new status is a lifecycle move through <see cref="Gpu.TransitionTo"/> for the
    /// importing role, with the row's notes as its message. Throws <see cref="RowRefusedException"/> where the domain refuses.
    /// </summary>
    public static (bool Changed, TransitionRecord? Transition) Apply(
        Gpu gpu, GpuImportRow row, int modelId, int? dcId, HostInfo? host, Actor actor, DateTime now)
    {
        var changed = false;
        string? Text(string? current, string? given)
        {
            if (given is null || string.Equals(current, given, StringComparison.Ordinal))
            {
                return current;
            }

            changed = true;
            return given;
        }

        T? Value<T>(T? current, T? given) where T : struct
        {
            if (given is null || Equals(current, given))
            {
                return current;
            }

            changed = true;
            return given;
        }

        // The CSV holds days: a date-only cell naming the stored day keeps the stored time.
        DateTime? Date(DateTime? current, DateTime? given) =>
            given is { } g && current is { } c && g.TimeOfDay == TimeSpan.Zero && g.Date == c.Date ? current : Value(current, given);

        if (gpu.GpuModelId != modelId)
        {
            gpu.GpuModelId = modelId;
            changed = true;
        }

        gpu.Uuid = Text(gpu.Uuid, row.Uuid);
        gpu.AssetTag = Text(gpu.AssetTag, row.AssetTag);
        gpu.BoardPartNumber = Text(gpu.BoardPartNumber, row.BoardPartNumber);
        gpu.Vbios = Text(gpu.Vbios, row.Vbios);
        gpu.PoNumber = Text(gpu.PoNumber, row.PoNumber);
        gpu.UnitCost = Value(gpu.UnitCost, row.UnitCost);
        gpu.Currency = Text(gpu.Currency, row.Currency?.Value)!;
        gpu.ReceivedAt = Date(gpu.ReceivedAt, row.ReceivedAt);
        gpu.InServiceAt = Date(gpu.InServiceAt, row.InServiceAt);
        gpu.WarrantyEndsAt = Date(gpu.WarrantyEndsAt, row.WarrantyEndsAt);
        gpu.Notes = Text(gpu.Notes, row.Notes);
        if (gpu.InServiceAt is { } inService && gpu.ReceivedAt is { } received && inService.Date < received.Date)
        {
            throw new RowRefusedException(row.InServiceAt is null ? GpuCsvColumns.ReceivedAt : GpuCsvColumns.InServiceAt,
                (row.InServiceAt ?? row.ReceivedAt)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                $"GPU {gpu.Serial} would be in service ({inService:yyyy-MM-dd}) before it was received ({received:yyyy-MM-dd}).");
        }

        if (host is not null && (gpu.HostId != host.Id || gpu.Slot != row.Slot))
        {
            try
            {
                gpu.PlaceIn(new Host { Id = host.Id, Hostname = host.Hostname, GpuSlots = host.Slots }, host.DatacenterId, row.Slot!.Value, now);
            }
            catch (DomainException ex)
            {
                throw new RowRefusedException(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), ex.Message);
            }

            gpu.Host = null;
            changed = true;
        }
        else if (host is null && dcId is not null && dcId != gpu.DatacenterId)
        {
            if (gpu.HostId is not null)
            {
                throw new RowRefusedException(GpuCsvColumns.Datacenter, row.Datacenter,
                    $"GPU {gpu.Serial} sits in a host of another datacenter; to move it, give its new host and slot.");
            }

            gpu.DatacenterId = dcId;
            changed = true;
        }

        TransitionRecord? transition = null;
        if (row.Status is { } to && to != gpu.Status)
        {
            var from = gpu.Status;
            try
            {
                transition = gpu.TransitionTo(to, actor.Name, actor.Role, now, row.Notes);
            }
            catch (DomainException ex)
            {
                var mine = GpuLifecycle.AllowedFrom(from, actor.Role);
                var hint = GpuLifecycle.Find(from, to)?.Requires.Contains(RequiredField.Message) == true && string.IsNullOrWhiteSpace(row.Notes)
                    ? " Put the reason in this row's notes column."
                    : "";
                throw new RowRefusedException(GpuCsvColumns.Status, to.ToString(),
                    $"A status change is a lifecycle move: {ex.Message}{hint} Moves the {actor.Role} role may make from {from}: " +
                    (mine.Count == 0 ? "none" : string.Join(", ", mine)) + ".");
            }

            changed = true;
        }

        return (changed, transition);
    }
}
