using System.Globalization;
using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.BurnIn;

/// <summary>
/// Creates a burn-in campaign: one job per host over cards named by serial or found by an inventory filter. Cards must be
/// placed and in Received or BurnIn; Received ones move to BurnIn (audited). A card already in an open campaign is refused.
/// </summary>
public sealed class CreateBurnInCampaign(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    private const int MaxNamed = 20;

    public async Task<CreateCampaignResponse> CreateAsync(CreateCampaignRequest request, Actor actor, CancellationToken ct = default)
    {
        BurnInAccess.Require(actor, Roles.Technician, "Creating a burn-in campaign");
        var name = BurnInAccess.Text(request.Name, "name", 200);
        var level = ParseLevel(request.Level);
        if (request.DurationSeconds is { } d && (double.IsNaN(d) || d < 1 || d > 7 * 86400))
        {
            throw new ValidationException("durationSeconds", "durationSeconds must be between 1 and 604,800 (a week), or left out to keep the level's.");
        }

        var hasSerials = request.Serials is { Count: > 0 };
        if (hasSerials == (request.Filter is not null))
        {
            throw new ValidationException("serials", "Give either serials or a filter (status, datacenter, model, host), not both and not neither.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpus = hasSerials ? await BySerialAsync(db, request.Serials!, ct) : await ByFilterAsync(db, request.Filter!, ct);
        if (gpus.Count == 0)
        {
            throw new DomainException("No placed card in Received or BurnIn matches the filter; nothing to burn in.");
        }

        var unplaced = gpus.Where(g => g.HostId is null).Select(g => g.Serial).ToList();
        if (unplaced.Count > 0)
        {
            throw new DomainException($"These cards are not placed in a host, so no agent can burn them in: {Names(unplaced)}.");
        }

        var wrongState = gpus.Where(g => g.Status is not (GpuStatus.Received or GpuStatus.BurnIn)).Select(g => $"{g.Serial} ({g.Status})").ToList();
        if (wrongState.Count > 0)
        {
            throw new DomainException($"Only cards in Received or BurnIn can join a campaign: {Names(wrongState)}.");
        }

        var ids = gpus.Select(g => g.Id).ToList();
        var busy = await db.BurnInJobCards.AsNoTracking()
            .Where(c => ids.Contains(c.GpuId))
            .Join(db.BurnInJobs.Where(j => j.State == BurnInJobState.Queued || j.State == BurnInJobState.Claimed), c => c.JobId, j => j.Id,
                (c, j) => new { c.Serial, j.CampaignId })
            .ToListAsync(ct);
        if (busy.Count > 0)
        {
            throw new DomainException("These cards are already in an open campaign: " +
                Names(busy.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Serial} (campaign {b.CampaignId})")).ToList()) + ".");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hosts = await db.Hosts.AsNoTracking().Where(h => gpus.Select(g => g.HostId).Contains(h.Id)).ToDictionaryAsync(h => h.Id, h => h.Hostname, ct);
        var campaign = new BurnInCampaign
        {
            Name = name, Level = level, DurationSeconds = request.DurationSeconds, CreatedBy = actor.Name, CreatedByRole = actor.Role, CreatedAt = now,
        };
        foreach (var group in gpus.GroupBy(g => g.HostId!.Value).OrderBy(g => hosts[g.Key], StringComparer.Ordinal))
        {
            var job = new BurnInJob { HostId = group.Key, HostName = hosts[group.Key].ToLowerInvariant() };
            job.Cards.AddRange(group.OrderBy(g => g.Slot).Select(g => new BurnInJobCard { GpuId = g.Id, Serial = g.Serial, Uuid = g.Uuid, Slot = g.Slot }));
            campaign.Jobs.Add(job);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var gpu in gpus.Where(g => g.Status == GpuStatus.Received))
        {
            var before = AuditLog.GpuState(gpu);
            var record = gpu.TransitionTo(GpuStatus.BurnIn, actor.Name, actor.Role, now, $"Burn-in campaign '{name}'");
            db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
                $"{record.From} → {record.To}: burn-in campaign '{name}'"));
        }

        db.BurnInCampaigns.Add(campaign);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException("A card of the campaign was changed by someone else meanwhile. Try again.");
        }

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInCampaign), campaign.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Create,
            null, new { campaign.Name, Level = level.ToString(), campaign.DurationSeconds, Jobs = campaign.Jobs.Count, Cards = gpus.Count }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CreateCampaignResponse(campaign.Id, campaign.Jobs.Count, gpus.Count);
    }

    public static BurnInLevel ParseLevel(string? level) =>
        Enum.TryParse<BurnInLevel>(level?.Trim(), ignoreCase: true, out var l) && Enum.IsDefined(l) && !int.TryParse(level, out _)
            ? l
            : throw new ValidationException("level", $"Unknown level '{level}'. Levels: quick, standard, extended.");

    private static string Names(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(MaxNamed)) + (items.Count > MaxNamed ? string.Create(CultureInfo.InvariantCulture, $" and {items.Count - MaxNamed} more") : "");

    private static async Task<List<Gpu>> BySerialAsync(FleetDbContext db, IReadOnlyList<string> serials, CancellationToken ct)
    {
        var wanted = serials.Select(s => s?.Trim() ?? "").Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count > 20_000)
        {
            throw new ValidationException("serials", "A campaign takes at most 20,000 cards.");
        }

        var gpus = await db.Gpus.Where(g => wanted.Contains(g.Serial)).ToListAsync(ct);
        var missing = wanted.Except(gpus.Select(g => g.Serial), StringComparer.Ordinal).ToList();
        return missing.Count == 0 ? gpus : throw new ValidationException("serials", $"Unknown serials: {Names(missing)}.");
    }

    private static async Task<List<Gpu>> ByFilterAsync(FleetDbContext db, CampaignFilter filter, CancellationToken ct)
    {
        var query = await InventoryService.FilterAsync(db, new GpuQuery { Status = filter.Status, Datacenter = filter.Datacenter, Model = filter.Model }, ct);
        if (!string.IsNullOrWhiteSpace(filter.Host))
        {
            var host = filter.Host.Trim().ToLowerInvariant();
            var hostId = await db.Hosts.Where(h => h.Hostname.ToLower() == host).Select(h => (int?)h.Id).FirstOrDefaultAsync(ct)
                ?? throw new ValidationException("host", $"Unknown host '{filter.Host}'.");
            query = query.Where(g => g.HostId == hostId);
        }

        var ids = await query.Where(g => g.HostId != null && (g.Status == GpuStatus.Received || g.Status == GpuStatus.BurnIn))
            .Select(g => g.Id).ToListAsync(ct);
        return await db.Gpus.Where(g => ids.Contains(g.Id)).ToListAsync(ct);
    }
}
