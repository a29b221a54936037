using Fleet.Application.Inventory;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

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
        if (ParseKind(request.Kind) == BurnInCampaignKind.Profile)
        {
            return await CreateProfileAsync(request, name, actor, ct);
        }

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

    /// <summary>burnin (or nothing) or profile.</summary>
    public static BurnInCampaignKind ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        null or "" or "burnin" or "burn-in" => BurnInCampaignKind.BurnIn,
        "profile" => BurnInCampaignKind.Profile,
        _ => throw new ValidationException("kind", $"Unknown campaign kind '{kind}'. Kinds: burnin, profile."),
    };

    /// <summary>
    /// A profile campaign: one job per chosen GPU model, on one card of it (InService or BurnIn, placed in a host). The card is
    /// picked deterministically: hosts where an agent has claimed a job before first, then host name, slot and serial.
    /// </summary>
    private async Task<CreateCampaignResponse> CreateProfileAsync(CreateCampaignRequest request, string name, Actor actor, CancellationToken ct)
    {
        if (request.Serials is { Count: > 0 } || request.Filter is not null)
        {
            throw new ValidationException("serials", "A profile campaign picks its cards from the models; give models, not serials or a filter.");
        }

        var spec = ProfileCampaignRule.Check(request.Preset, request.Dtype, request.Models);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var agentHosts = db.BurnInJobs.Where(j => j.ClaimedAt != null).Select(j => j.HostId);
        var choices = new List<(Gpu Gpu, string Host, string Model)>();
        var missing = new List<string>();
        foreach (var model in spec.Models)
        {
            var pick = await (from g in db.Gpus.AsNoTracking()
                              join m in db.GpuModels on g.GpuModelId equals m.Id
                              join h in db.Hosts on g.HostId equals h.Id
                              where m.Name == model.Name && (g.Status == GpuStatus.InService || g.Status == GpuStatus.BurnIn)
                              orderby agentHosts.Contains(h.Id) descending, h.Hostname, g.Slot, g.Serial
                              select new { Gpu = g, h.Hostname }).FirstOrDefaultAsync(ct);
            if (pick is null)
            {
                missing.Add(model.Name);
            }
            else
            {
                choices.Add((pick.Gpu, pick.Hostname, model.Name));
            }
        }

        if (missing.Count > 0)
        {
            throw new DomainException($"No placed card in InService or BurnIn of these models, so nothing can measure the profile there: {Names(missing)}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var campaign = new BurnInCampaign
        {
            Name = name, Level = BurnInLevel.Quick, Kind = BurnInCampaignKind.Profile, Preset = spec.Preset.Name, Dtype = spec.Dtype,
            CreatedBy = actor.Name, CreatedByRole = actor.Role, CreatedAt = now,
        };
        foreach (var (gpu, host, _) in choices)
        {
            var job = new BurnInJob { HostId = gpu.HostId!.Value, HostName = host.ToLowerInvariant(), Kind = BurnInCampaignKind.Profile };
            job.Cards.Add(new BurnInJobCard { GpuId = gpu.Id, Serial = gpu.Serial, Uuid = gpu.Uuid, Slot = gpu.Slot });
            campaign.Jobs.Add(job);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.BurnInCampaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        var picked = choices.Select(c => new ProfileCardChoice(c.Model, c.Gpu.Serial, c.Host, c.Gpu.Slot)).ToList();
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInCampaign), campaign.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Create,
            null, new { campaign.Name, Kind = campaign.Kind.ToString(), campaign.Preset, campaign.Dtype, Jobs = campaign.Jobs.Count, Cards = picked }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new CreateCampaignResponse(campaign.Id, campaign.Jobs.Count, choices.Count, picked);
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
