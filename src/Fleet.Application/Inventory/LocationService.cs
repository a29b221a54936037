using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Inventory;

/// <summary>
/// Power and counts of a datacenter, rack or host. <see cref="TdpW"/> sums the catalog TDP of the cards placed there;
/// <see cref="EnergyKwh"/> is the energy those cards measured in the last <see cref="LocationService.EnergyDays"/> days
/// (null when none of them has a reading).
/// </summary>
public sealed record LocationTotals(int Hosts, int Slots, int Gpus, int FreeSlots, long TdpW, double? EnergyKwh);

public sealed record DatacenterLocation(string Code, string Name, decimal PowerCapacityKw, int Racks, LocationTotals Totals);

public sealed record RackLocation(string Datacenter, string Name, LocationTotals Totals);

public sealed record DatacenterRacks(string Code, string Name, decimal PowerCapacityKw, LocationTotals Totals, IReadOnlyList<RackLocation> Racks);

/// <summary>One slot of a host: empty (no <see cref="Serial"/>) or the card in it.</summary>
public sealed record SlotItem(int Slot, string? Serial, string? Model, GpuStatus? Status, int? TdpW);

public sealed record HostLocation(string Datacenter, string Rack, string Hostname, string ServerModel, string? Serial, int GpuSlots,
    IReadOnlyList<SlotItem> Slots, LocationTotals Totals);

public sealed record RackHosts(string Datacenter, string Name, LocationTotals Totals, IReadOnlyList<HostLocation> Hosts);

/// <summary>A card's stay in one of a host's slots (<see cref="To"/> null: it is still there).</summary>
public sealed record HostPlacementItem(string Serial, int Slot, DateTime From, DateTime? To);

public sealed record HostDetail(HostLocation Host, IReadOnlyList<HostPlacementItem> History);

/// <summary>Where cards are: datacenter → rack → host, with slots, counts and power, computed in the database.</summary>
public sealed class LocationService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>The window of measured energy the totals show.</summary>
    public const int EnergyDays = 30;

    /// <summary>The most placements a host's history lists, newest first.</summary>
    public const int MaxHistory = 500;

    public async Task<IReadOnlyList<DatacenterLocation>> DatacentersAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var racks = await RackTotalsAsync(db, null, ct);
        var dcs = await db.Datacenters.AsNoTracking().OrderBy(d => d.Code)
            .Select(d => new { d.Id, d.Code, d.Name, d.PowerCapacityKw, Racks = d.Racks.Count }).ToListAsync(ct);
        return [.. dcs.Select(d => new DatacenterLocation(d.Code, d.Name, d.PowerCapacityKw, d.Racks,
            Sum(racks.Where(r => r.DatacenterId == d.Id).Select(r => r.Totals))))];
    }

    public async Task<DatacenterRacks> DatacenterAsync(string code, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var dc = await FindDatacenterAsync(db, code, ct);
        var racks = await RackTotalsAsync(db, dc.Id, ct);
        var list = racks.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(r => new RackLocation(dc.Code, r.Name, r.Totals)).ToList();
        return new DatacenterRacks(dc.Code, dc.Name, dc.PowerCapacityKw, Sum(list.Select(r => r.Totals)), list);
    }

    public async Task<RackHosts> RackAsync(string datacenter, string rack, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var dc = await FindDatacenterAsync(db, datacenter, ct);
        var r = await db.Racks.AsNoTracking().Where(x => x.DatacenterId == dc.Id && x.Name == rack).Select(x => new { x.Id, x.Name }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No rack '{rack}' in datacenter {dc.Code}.");
        var hosts = await HostsAsync(db, db.Hosts.Where(h => h.RackId == r.Id), dc.Code, r.Name, ct);
        return new RackHosts(dc.Code, r.Name, Sum(hosts.Select(h => h.Totals)), hosts);
    }

    public async Task<HostDetail> HostAsync(string hostname, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var h = await db.Hosts.AsNoTracking().Where(x => x.Hostname == hostname)
            .Select(x => new { x.Id, Rack = x.Rack!.Name, Datacenter = x.Rack.Datacenter!.Code }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No host named '{hostname}'.");
        var host = (await HostsAsync(db, db.Hosts.Where(x => x.Id == h.Id), h.Datacenter, h.Rack, ct))[0];
        var history = await db.GpuPlacements.AsNoTracking().Where(p => p.HostId == h.Id)
            .OrderByDescending(p => p.From).ThenByDescending(p => p.Id).Take(MaxHistory)
            .Join(db.Gpus, p => p.GpuId, g => g.Id, (p, g) => new HostPlacementItem(g.Serial, p.Slot, p.From, p.To))
            .ToListAsync(ct);
        return new HostDetail(host, [.. history.OrderByDescending(p => p.From)]);
    }

    private static async Task<(int Id, string Code, string Name, decimal PowerCapacityKw)> FindDatacenterAsync(FleetDbContext db, string code, CancellationToken ct)
    {
        var c = code.Trim().ToUpperInvariant();
        var dc = await db.Datacenters.AsNoTracking().Where(d => d.Code.ToUpper() == c).Select(d => new { d.Id, d.Code, d.Name, d.PowerCapacityKw })
            .FirstOrDefaultAsync(ct) ?? throw new NotFoundException($"No datacenter with code '{code}'.");
        return (dc.Id, dc.Code, dc.Name, dc.PowerCapacityKw);
    }

    private sealed record RackRow(int Id, int DatacenterId, string Name, LocationTotals Totals);

    private async Task<List<RackRow>> RackTotalsAsync(FleetDbContext db, int? datacenterId, CancellationToken ct)
    {
        var racks = db.Racks.AsNoTracking().Where(r => datacenterId == null || r.DatacenterId == datacenterId);
        var rows = await racks.Select(r => new { r.Id, r.DatacenterId, r.Name, Hosts = r.Hosts.Count, Slots = r.Hosts.Sum(h => (int?)h.GpuSlots) ?? 0 })
            .ToListAsync(ct);
        var placed = db.Gpus.AsNoTracking().Where(g => g.HostId != null && (datacenterId == null || g.Host!.Rack!.DatacenterId == datacenterId));
        var cards = await placed.Select(g => new { g.Host!.RackId, g.Model!.TdpW }).GroupBy(g => g.RackId)
            .Select(g => new { RackId = g.Key, Count = g.Count(), Tdp = g.Sum(x => (long)x.TdpW) }).ToDictionaryAsync(x => x.RackId, ct);
        var since = time.GetUtcNow().UtcDateTime.AddDays(-EnergyDays);
        var energy = await db.GpuEnergyReadings.AsNoTracking().Where(e => e.PeriodEnd > since)
            .Join(placed, e => e.GpuId, g => g.Id, (e, g) => new { g.Host!.RackId, e.EnergyKwh })
            .GroupBy(x => x.RackId).Select(g => new { RackId = g.Key, Kwh = g.Sum(x => x.EnergyKwh) }).ToDictionaryAsync(x => x.RackId, x => x.Kwh, ct);
        return [.. rows.Select(r =>
        {
            var c = cards.GetValueOrDefault(r.Id);
            var count = c?.Count ?? 0;
            return new RackRow(r.Id, r.DatacenterId, r.Name,
                new LocationTotals(r.Hosts, r.Slots, count, Math.Max(0, r.Slots - count), c?.Tdp ?? 0, energy.TryGetValue(r.Id, out var kwh) ? kwh : null));
        })];
    }

    private async Task<List<HostLocation>> HostsAsync(FleetDbContext db, IQueryable<Domain.Inventory.Host> hosts, string dc, string rack, CancellationToken ct)
    {
        var list = await hosts.AsNoTracking().OrderBy(h => h.Hostname)
            .Select(h => new { h.Id, h.Hostname, h.ServerModel, h.Serial, h.GpuSlots }).ToListAsync(ct);
        var ids = list.Select(h => h.Id).ToList();
        var cards = await db.Gpus.AsNoTracking().Where(g => g.HostId != null && ids.Contains(g.HostId.Value))
            .Select(g => new { g.Id, HostId = g.HostId!.Value, Slot = g.Slot ?? -1, g.Serial, Model = g.Model!.Name, g.Status, g.Model.TdpW })
            .ToListAsync(ct);
        var cardIds = cards.Select(c => c.Id).ToList();
        var since = time.GetUtcNow().UtcDateTime.AddDays(-EnergyDays);
        var energy = await db.GpuEnergyReadings.AsNoTracking().Where(e => e.PeriodEnd > since && cardIds.Contains(e.GpuId))
            .GroupBy(e => e.GpuId).Select(g => new { GpuId = g.Key, Kwh = g.Sum(x => x.EnergyKwh) }).ToDictionaryAsync(x => x.GpuId, x => x.Kwh, ct);
        return [.. list.Select(h =>
        {
            var here = cards.Where(c => c.HostId == h.Id).ToList();
            var slots = Enumerable.Range(0, h.GpuSlots).Select(s => here.FirstOrDefault(c => c.Slot == s) is { } c
                ? new SlotItem(s, c.Serial, c.Model, c.Status, c.TdpW)
                : new SlotItem(s, null, null, null, null)).ToList();
            var measured = here.Where(c => energy.ContainsKey(c.Id)).Select(c => energy[c.Id]).ToList();
            var totals = new LocationTotals(1, h.GpuSlots, here.Count, Math.Max(0, h.GpuSlots - here.Count), here.Sum(c => (long)c.TdpW),
                measured.Count == 0 ? null : measured.Sum());
            return new HostLocation(dc, rack, h.Hostname, h.ServerModel, h.Serial, h.GpuSlots, slots, totals);
        })];
    }

    private static LocationTotals Sum(IEnumerable<LocationTotals> parts)
    {
        var list = parts.ToList();
        var measured = list.Where(t => t.EnergyKwh is not null).ToList();
        return new LocationTotals(list.Sum(t => t.Hosts), list.Sum(t => t.Slots), list.Sum(t => t.Gpus), list.Sum(t => t.FreeSlots),
            list.Sum(t => t.TdpW), measured.Count == 0 ? null : measured.Sum(t => t.EnergyKwh!.Value));
    }
}
