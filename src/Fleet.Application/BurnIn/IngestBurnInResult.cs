using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Application.BurnIn;

/// <summary>
/// <c>POST /api/agent/jobs/{id}/results</c>: stores a <c>fleet.burnin/v1</c> document for the job its caller holds, one run
/// per expected card (devices matched by UUID, then serial), and lets each verdict move its card: pass → Validated, fail →
/// Failed with an RMA case opened on the evidence. Idempotent on <c>runId</c>; nothing is written on a refused post.
/// </summary>
public sealed class IngestBurnInResult(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, BurnInOptions options, FleetHistoryCache cache)
{
    private const int FleetHistoryRuns = 200;
    private static readonly JsonSerializerOptions s_compact = new(BurnInJson.Options) { WriteIndented = false };

    public async Task<ResultResponse> PostAsync(long jobId, string json, Actor actor, string? agentId = null, CancellationToken ct = default)
    {
        BurnInAccess.Require(actor, Roles.Agent, "Posting burn-in results");
        var (result, hash) = Parse(json);
        try
        {
            return await StoreAsync(jobId, json, result, hash, actor, agentId, ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            // The same runId landed concurrently (unique index): answer as the replay it is, or refuse different content.
            return await StoreAsync(jobId, json, result, hash, actor, agentId, ct);
        }
    }

    /// <summary>
    /// <c>POST /api/burnin/runs</c> (<c>fleet gpu burnin --report</c>): a one-off run outside any campaign. Each device is matched to a
    /// card of the fleet by UUID, then serial; matched cards get a run (stand-in flags kept), devices that match no card are named in
    /// the answer. A card in BurnIn moves by its verdict as in a campaign; cards in any other state only get the run. Idempotent on
    /// <c>runId</c> like the job results; a document matching no card at all is refused and nothing is written.
    /// </summary>
    public async Task<OneOffResultResponse> PostOneOffAsync(string json, Actor actor, CancellationToken ct = default)
    {
        if (!Roles.Satisfies(actor.Role, Roles.Technician) && !Roles.Satisfies(actor.Role, Roles.Agent))
        {
            throw new ForbiddenException($"Posting a one-off burn-in run needs the {Roles.Technician} or {Roles.Agent} role; you have {actor.Role}.");
        }

        var (result, hash) = Parse(json);
        try
        {
            return await StoreOneOffAsync(json, result, hash, actor, ct);
        }
        catch (DbUpdateException) when (!ct.IsCancellationRequested)
        {
            return await StoreOneOffAsync(json, result, hash, actor, ct);
        }
    }

    private async Task<OneOffResultResponse> StoreOneOffAsync(string json, BurnInResult result, string hash, Actor actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.BurnInReports.AsNoTracking().FirstOrDefaultAsync(r => r.RunId == result.RunId, ct);
        if (existing is not null)
        {
            if (existing.ContentHash != hash || existing.JobId is not null)
            {
                throw new ConcurrencyException(existing.ContentHash != hash
                    ? $"Run {result.RunId} was already stored with different content; a new run needs a new runId."
                    : $"Run {result.RunId} was already stored for job {existing.JobId}; it is not a one-off run.");
            }

            var replay = await ResponseAsync(db, existing.Id, result.RunId, replayed: true, ct);
            return new OneOffResultResponse(replay.RunId, replay.RunIds, replay.Runs, true, []);
        }

        // Devices → cards: by UUID first, then by serial; a card claimed by two devices keeps the first.
        var uuids = result.Devices.Select(d => d.Device.Uuid).OfType<string>().Where(u => u.Length > 0).Distinct().ToList();
        var serials = result.Devices.Select(d => d.Device.Serial).OfType<string>().Where(u => u.Length > 0).Distinct().ToList();
        var candidates = await db.Gpus.Include(g => g.Model)
            .Where(g => (g.Uuid != null && uuids.Contains(g.Uuid)) || serials.Contains(g.Serial)).ToListAsync(ct);
        var matched = new List<(DeviceBurnInResult Device, Gpu Gpu)>();
        var unmatched = new List<string>();
        foreach (var device in result.Devices)
        {
            var d = device.Device;
            var gpu = candidates.FirstOrDefault(g => d.Uuid is { Length: > 0 } && string.Equals(g.Uuid, d.Uuid, StringComparison.OrdinalIgnoreCase))
                ?? candidates.FirstOrDefault(g => d.Serial is { Length: > 0 } && string.Equals(g.Serial, d.Serial, StringComparison.OrdinalIgnoreCase));
            if (gpu is null || matched.Any(m => m.Gpu.Id == gpu.Id))
            {
                unmatched.Add(Describe(d));
            }
            else
            {
                matched.Add((device, gpu));
            }
        }

        if (matched.Count == 0)
        {
            throw new ValidationException("devices",
                $"No device of run {result.RunId} matches a card of the fleet (by UUID, then serial): {string.Join("; ", unmatched)}.");
        }

        var standInFlags = matched.Select(m => m.Device.StandIn || m.Device.Device.Kind == DeviceKind.Cpu).Distinct().ToList();
        var history = await FleetHistoryAsync(db, matched.Select(m => m.Gpu), standInFlags, now, ct);
        var report = new BurnInReport
        {
            RunId = result.RunId, JobId = null, ContentHash = hash, Json = json, Hostname = Clip(result.Host?.Hostname, 128) ?? "",
            ToolVersion = Clip(result.Tool?.Version, 64) ?? "", ReceivedAt = now, ReceivedBy = actor.Name,
        };
        var outcomes = new List<(Gpu Gpu, BurnInRun Run)>();
        foreach (var (device, gpu) in matched)
        {
            var run = SeenRun(result, device, gpu, history, result.Options?.Level ?? BurnInLevel.Quick);
            run.GpuId = gpu.Id;
            report.Runs.Add(run);
            outcomes.Add((gpu, run));
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.BurnInReports.Add(report);
        foreach (var (gpu, run) in outcomes)
        {
            AddEnergyReading(db, gpu, run);
        }

        await db.SaveChangesAsync(ct);

        // The lifecycle needs a Technician: an Agent's one-off run moves the card on behalf of the burn-in the card was put in.
        var lifecycleActor = Roles.Satisfies(actor.Role, Roles.Technician)
            ? actor
            : new Actor($"{actor.Name} (one-off burn-in run {result.RunId})", Roles.Technician, actor.RequestId);
        await ApplyVerdictsAsync(db, outcomes, lifecycleActor, now, ct);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInReport), report.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Create, null,
            new
            {
                result.RunId, report.ContentHash, Unmatched = unmatched,
                Runs = outcomes.Select(o => new { BurnInRunId = o.Run.Id, o.Gpu.Serial, Verdict = o.Run.Verdict.ToString(), o.Run.StandIn,
                    Findings = o.Run.Findings.Select(f => f.Code) }),
            }, $"one-off run {result.RunId} stored"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"A card of run {result.RunId} was changed by someone else while the results were written; nothing was stored.");
        }

        await tx.CommitAsync(ct);
        return new OneOffResultResponse(result.RunId, outcomes.Select(o => o.Run.Id).ToList(),
            outcomes.Select(o => new StoredRunItem(o.Run.Id, o.Gpu.Serial, o.Run.Verdict, OutcomeOf(o.Run), o.Run.StandIn)).ToList(), false, unmatched);
    }

    private static void AddEnergyReading(FleetDbContext db, Gpu gpu, BurnInRun run)
    {
        if (run.EnergyJ is > 0 and var energy && run.EndedAt > run.StartedAt)
        {
            db.GpuEnergyReadings.Add(new GpuEnergyReading { GpuId = gpu.Id, PeriodStart = run.StartedAt, PeriodEnd = run.EndedAt, EnergyKwh = energy / 3.6e6 });
        }
    }

    /// <summary>Reads and checks the document; the hash is over its canonical (compact) form, so whitespace does not matter.</summary>
    public static (BurnInResult Result, string Hash) Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The result is not valid JSON: {e.Message}");
        }

        if (node is not JsonObject root)
        {
            throw new ValidationException("body", "The result must be a JSON object (a fleet.burnin/v1 document).");
        }

        var schema = root["schema"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (schema != BurnInResult.SchemaId)
        {
            throw new ValidationException("schema", $"Unsupported schema '{schema ?? "(none)"}'; expected {BurnInResult.SchemaId}.");
        }

        BurnInResult result;
        try
        {
            result = root.Deserialize<BurnInResult>(BurnInJson.Options) ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The result does not match {BurnInResult.SchemaId}: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(result.RunId) || result.RunId.Length > 64)
        {
            throw new ValidationException("runId", "runId is required (at most 64 characters).");
        }

        if (result.Devices.Any(d => d?.Device is null))
        {
            throw new ValidationException("devices", "Every device result needs its device identity.");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root.ToJsonString())));
        return (result, hash);
    }

    private async Task<ResultResponse> StoreAsync(long jobId, string json, BurnInResult result, string hash, Actor actor, string? agentId,
        CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.BurnInReports.AsNoTracking().FirstOrDefaultAsync(r => r.RunId == result.RunId, ct);
        if (existing is not null)
        {
            if (existing.ContentHash != hash || existing.JobId != jobId)
            {
                throw new ConcurrencyException(existing.ContentHash != hash
                    ? $"Run {result.RunId} was already stored with different content; a new run needs a new runId."
                    : $"Run {result.RunId} was already stored for job {existing.JobId}, not job {jobId}.");
            }

            return await ResponseAsync(db, existing.Id, result.RunId, replayed: true, ct);
        }

        var job = await db.BurnInJobs.Include(j => j.Cards).Include(j => j.Campaign).FirstOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw new NotFoundException($"No burn-in job {jobId}.");
        if (BurnInAccess.WhyNotHeld(job, actor, agentId, now) is { } why)
        {
            throw new ConcurrencyException(why);
        }

        if (job.Kind == BurnInCampaignKind.Profile)
        {
            throw new ConcurrencyException($"Job {jobId} is a profile job: it takes a fleet.inference-profile/v1 document at /api/agent/jobs/{jobId}/profile, not burn-in results.");
        }

        if (job.ClaimedAt is { } claimed && result.StartedAt.UtcDateTime < claimed.AddSeconds(-options.ClockSkewSeconds))
        {
            throw new ConcurrencyException(string.Create(CultureInfo.InvariantCulture,
                $"Run {result.RunId} started at {result.StartedAt:O}, before job {jobId} was claimed at {claimed:O}: it belongs to a lease that was lost."));
        }

        var matches = await MatchAsync(db, job, result, ct);
        var campaign = job.Campaign!;
        var gpuIds = job.Cards.Select(c => c.GpuId).ToList();
        var gpus = await db.Gpus.Include(g => g.Model).Where(g => gpuIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, ct);
        var standInFlags = result.Devices.Select(d => d.StandIn || d.Device.Kind == DeviceKind.Cpu).Distinct().ToList();
        var history = await FleetHistoryAsync(db, gpus.Values, standInFlags, now, ct);
        var report = new BurnInReport
        {
            RunId = result.RunId, JobId = job.Id, ContentHash = hash, Json = json, Hostname = Clip(result.Host?.Hostname, 128) ?? "",
            ToolVersion = Clip(result.Tool?.Version, 64) ?? "", ReceivedAt = now, ReceivedBy = actor.Name,
        };
        var outcomes = new List<(BurnInJobCard Card, BurnInRun Run)>();
        foreach (var card in job.Cards.OrderBy(c => c.Slot))
        {
            var gpu = gpus[card.GpuId];
            var run = matches.ByCard.TryGetValue(card.Id, out var device)
                ? SeenRun(result, device, gpu, history, campaign.Level)
                : UnseenRun(result, card, matches.Devices, campaign.Level);
            run.RunId = result.RunId;
            run.JobId = job.Id;
            run.CampaignId = job.CampaignId;
            run.GpuId = card.GpuId;
            run.Findings.AddRange(matches.Surprises.Select(f => ToEntity(f, "server")));
            report.Runs.Add(run);
            outcomes.Add((card, run));
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.BurnInReports.Add(report);
        job.Finish(now);
        var lifecycleActor = new Actor($"{actor.Name} (burn-in campaign {campaign.Id} by {campaign.CreatedBy})", campaign.CreatedByRole, actor.RequestId);
        foreach (var (card, run) in outcomes)
        {
            AddEnergyReading(db, gpus[card.GpuId], run);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"Job {jobId} changed while the results were written (its lease ran out); nothing was stored.");
        }

        foreach (var (card, run) in outcomes)
        {
            card.Record(OutcomeOf(run), run.Id);
        }

        await ApplyVerdictsAsync(db, outcomes.Select(o => (gpus[o.Card.GpuId], o.Run)).ToList(), lifecycleActor, now, ct);

        // One entry for the stored runs (each card's transition has its own, naming the run).
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInJob), job.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Update, null,
            new
            {
                State = job.State.ToString(), result.RunId, report.ContentHash,
                Runs = outcomes.Select(o => new { BurnInRunId = o.Run.Id, gpus[o.Card.GpuId].Serial, Verdict = o.Run.Verdict.ToString(),
                    Outcome = o.Card.Outcome.ToString(), o.Run.StandIn, Findings = o.Run.Findings.Select(f => f.Code) }),
            }, $"results of run {result.RunId} stored"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"A card of job {jobId} was changed by someone else while the results were written; nothing was stored.");
        }

        await tx.CommitAsync(ct);

        // After the commit: of two last jobs finishing at once, the later commit sees the other done and completes the campaign.
        await CompleteCampaignIfDoneAsync(db, job.CampaignId, now, ct);
        await db.SaveChangesAsync(ct);
        return new ResultResponse(result.RunId, outcomes.Select(o => o.Run.Id).ToList(),
            outcomes.Select(o => new StoredRunItem(o.Run.Id, gpus[o.Card.GpuId].Serial, o.Run.Verdict, o.Card.Outcome, o.Run.StandIn)).ToList(), Replayed: false);
    }

    private static BurnInCardOutcome OutcomeOf(BurnInRun run) =>
        run.Verdict == Verdict.Fail ? BurnInCardOutcome.Failed : run.Complete ? BurnInCardOutcome.Passed : BurnInCardOutcome.Incomplete;

    /// <summary>Each stored run's verdict moves its card (<see cref="ApplyVerdict"/>); what an RMA case needs is looked up only when a card failed.</summary>
    private static async Task ApplyVerdictsAsync(FleetDbContext db, IReadOnlyList<(Gpu Gpu, BurnInRun Run)> outcomes, Actor lifecycleActor, DateTime now,
        CancellationToken ct)
    {
        var failedIds = outcomes.Where(o => o.Run.Verdict == Verdict.Fail).Select(o => o.Gpu.Id).ToList();
        var openCases = failedIds.Count == 0 ? [] : await db.RmaCases.AsNoTracking()
            .Where(c => failedIds.Contains(c.GpuId) && c.Status != RmaStatus.Closed).Select(c => c.GpuId).ToListAsync(ct);
        var lineIds = outcomes.Where(o => failedIds.Contains(o.Gpu.Id)).Select(o => o.Gpu.PurchaseOrderLineId).OfType<int>().Distinct().ToList();
        var vendors = lineIds.Count == 0 ? [] : await db.PurchaseOrderLines.AsNoTracking().Where(l => lineIds.Contains(l.Id))
            .Select(l => new { l.Id, l.PurchaseOrder!.VendorId }).ToDictionaryAsync(l => l.Id, l => (int?)l.VendorId, ct);
        var busIds = failedIds.Count == 0 ? [] : await db.GpuPlacements.AsNoTracking()
            .Where(p => failedIds.Contains(p.GpuId) && p.To == null && p.PciBusId != null).ToDictionaryAsync(p => p.GpuId, p => p.PciBusId, ct);
        foreach (var (gpu, run) in outcomes)
        {
            var vendorId = gpu.PurchaseOrderLineId is { } lineId ? vendors.GetValueOrDefault(lineId) : null;
            ApplyVerdict(db, gpu, run, OutcomeOf(run), lifecycleActor, now, openCases.Contains(gpu.Id), vendorId, busIds.GetValueOrDefault(gpu.Id));
        }
    }

    /// <summary>Marks the campaign completed when none of its jobs is queued or held.</summary>
    internal static async Task CompleteCampaignIfDoneAsync(FleetDbContext db, int campaignId, DateTime nowUtc, CancellationToken ct)
    {
        var open = await db.BurnInJobs.AnyAsync(j => j.CampaignId == campaignId && (j.State == BurnInJobState.Queued || j.State == BurnInJobState.Claimed), ct);
        if (!open && await db.BurnInCampaigns.FirstOrDefaultAsync(c => c.Id == campaignId, ct) is { } campaign)
        {
            campaign.Complete(nowUtc);
        }
    }

    private sealed record Matches(Dictionary<long, DeviceBurnInResult> ByCard, List<Finding> Surprises, IReadOnlyList<string> Devices);

    private static async Task<Matches> MatchAsync(FleetDbContext db, BurnInJob job, BurnInResult result, CancellationToken ct)
    {
        var byCard = new Dictionary<long, DeviceBurnInResult>();
        var surprises = new List<Finding>();
        var unmatched = new List<DeviceBurnInResult>();
        foreach (var device in result.Devices)
        {
            var d = device.Device;
            var card = job.Cards.FirstOrDefault(c => d.Uuid is { Length: > 0 } && string.Equals(c.Uuid, d.Uuid, StringComparison.OrdinalIgnoreCase))
                ?? job.Cards.FirstOrDefault(c => d.Serial is { Length: > 0 } && string.Equals(c.Serial, d.Serial, StringComparison.OrdinalIgnoreCase));
            if (card is null)
            {
                unmatched.Add(device);
            }
            else if (!byCard.TryAdd(card.Id, device))
            {
                surprises.Add(new Finding(FindingCodes.DeviceNotInJob, Severity.Warning,
                    $"Device {Describe(d)} reports the same card as another device ({card.Serial}); its result is not used.",
                    Finding.EvidenceOf(("uuid", d.Uuid), ("serial", d.Serial), ("pciBusId", d.PciBusId), ("name", d.Name))));
            }
        }

        if (unmatched.Count > 0)
        {
            var uuids = unmatched.Select(u => u.Device.Uuid).OfType<string>().ToList();
            var serials = unmatched.Select(u => u.Device.Serial).OfType<string>().ToList();
            var known = await db.Gpus.AsNoTracking().Where(g => (g.Uuid != null && uuids.Contains(g.Uuid)) || serials.Contains(g.Serial))
                .Select(g => new { g.Serial, g.Uuid, g.HostId, Host = g.Host != null ? g.Host.Hostname : null }).ToListAsync(ct);
            var elsewhere = known.FirstOrDefault(k => k.HostId is not null && k.HostId != job.HostId);
            if (elsewhere is not null)
            {
                throw new DomainException($"The result names card {elsewhere.Serial}, which sits in host {elsewhere.Host}, not {job.HostName}: " +
                    "a job takes results only for the cards of its own host.");
            }

            surprises.AddRange(unmatched.Select(u => new Finding(FindingCodes.DeviceNotInJob, Severity.Warning,
                $"Device {Describe(u.Device)} matches no card the job expected on {job.HostName} (by UUID, then serial).",
                Finding.EvidenceOf(("uuid", u.Device.Uuid), ("serial", u.Device.Serial), ("pciBusId", u.Device.PciBusId), ("name", u.Device.Name),
                    ("verdict", u.Verdict)))));
        }

        return new Matches(byCard, surprises, result.Devices.Select(d => Describe(d.Device)).ToList());
    }

    private static string Describe(GpuDeviceInfo d) =>
        $"{d.Name} (uuid {d.Uuid ?? "unknown"}, serial {d.Serial ?? "unknown"}, bus {d.PciBusId ?? "unknown"})";

    /// <summary>
    /// Earlier passing runs' TFLOP/s per (model, stand-in, precision), comparable ones only, from the newest
    /// <see cref="FleetHistoryRuns"/> runs. A full window changes slowly, so it is kept for a while (<see cref="FleetHistoryCache"/>).
    /// </summary>
    private async Task<Dictionary<(int Model, bool StandIn, Precision Precision), List<double>>> FleetHistoryAsync(FleetDbContext db,
        IEnumerable<Gpu> gpus, IReadOnlyList<bool> standInFlags, DateTime nowUtc, CancellationToken ct)
    {
        var history = new Dictionary<(int, bool, Precision), List<double>>();
        var t = options.FleetHistory;
        foreach (var modelId in gpus.Select(g => g.GpuModelId).Distinct())
        {
            foreach (var standIn in standInFlags)
            {
                if (!cache.TryGet(modelId, standIn, nowUtc, out var values))
                {
                    var runIds = await db.BurnInRuns.AsNoTracking()
                        .Where(r => r.Verdict == Verdict.Pass && r.StandIn == standIn && db.Gpus.Any(g => g.Id == r.GpuId && g.GpuModelId == modelId))
                        .OrderByDescending(r => r.Id).Take(FleetHistoryRuns).Select(r => r.Id).ToListAsync(ct);
                    var rows = runIds.Count < t.MinHistory ? [] : await db.BurnInPrecisionResults.AsNoTracking()
                        .Where(p => runIds.Contains(p.BurnInRunId) && p.Size >= t.MinSize)
                        .Select(p => new { p.Precision, p.Engine, p.Tflops }).ToListAsync(ct);
                    values = rows.Where(r => t.Engines.Contains(r.Engine)).GroupBy(r => r.Precision)
                        .ToDictionary(g => g.Key, g => (IReadOnlyList<double>)g.Select(r => r.Tflops).ToList());
                    if (runIds.Count == FleetHistoryRuns)
                    {
                        cache.Set(modelId, standIn, nowUtc, values);
                    }
                }

                foreach (var (precision, list) in values)
                {
                    history[(modelId, standIn, precision)] = [.. list];
                }
            }
        }

        return history;
    }

    private BurnInRun SeenRun(BurnInResult result, DeviceBurnInResult device, Gpu gpu,
        Dictionary<(int Model, bool StandIn, Precision Precision), List<double>> history, BurnInLevel level)
    {
        var d = device.Device;
        var standIn = device.StandIn || d.Kind == DeviceKind.Cpu;
        var telemetry = device.Telemetry;
        var run = new BurnInRun
        {
            RunId = result.RunId, ToolVersion = Clip(result.Tool?.Version, 64) ?? "", StartedAt = result.StartedAt.UtcDateTime,
            EndedAt = result.EndedAt.UtcDateTime, Level = result.Options?.Level ?? level, Verdict = device.Verdict, Complete = device.Complete,
            StandIn = standIn, DeviceName = Clip(d.Name, 128), DeviceUuid = Clip(d.Uuid, 64), DeviceSerial = Clip(d.Serial, 64),
            PciBusId = Clip(d.PciBusId, 32), Vbios = Clip(d.VbiosVersion, 64), BoardPartNumber = Clip(d.BoardPartNumber, 64),
            DeviceToDeviceGBs = device.Bandwidth?.DeviceToDeviceGBs, HostToDeviceGBs = device.Bandwidth?.HostToDeviceGBs,
            DeviceToHostGBs = device.Bandwidth?.DeviceToHostGBs, MaxTemperatureC = telemetry?.MaxTemperatureC, MaxPowerW = telemetry?.MaxPowerW,
            EnergyJ = telemetry?.EnergyJ, EccCorrectedDelta = telemetry?.EccCorrectedDelta, EccUncorrectedDelta = telemetry?.EccUncorrectedDelta,
            PcieReplayDelta = telemetry?.PcieReplayDelta, DeviceJson = JsonSerializer.Serialize(device, s_compact),
        };
        run.Findings.AddRange(device.Findings.Select(f => ToEntity(f, "agent")));
        var model = gpu.Model!;
        foreach (var g in device.Gemm)
        {
            var tflops = g.Gflops / 1000;
            var spec = model.PeakTflops(g.Precision);
            var comparable = FleetHistoryCheck.Applies(g.Engine, g.Size, options.FleetHistory);
            var fleet = comparable && history.TryGetValue((gpu.GpuModelId, standIn, g.Precision), out var values) ? values : [];
            run.Precisions.Add(new BurnInPrecisionResult
            {
                Precision = g.Precision, Engine = Clip(g.Engine, 32) ?? "", Size = g.Size, Tflops = tflops, SpecTflops = spec,
                PercentOfSpec = spec is > 0 ? tflops / spec.Value * 100 : null, FleetMedianTflops = FleetHistoryCheck.Median(fleet),
            });
            if (comparable && FleetHistoryCheck.Evaluate(model.Name, g.Precision, tflops, fleet, options.FleetHistory) is { } finding)
            {
                run.Findings.Add(ToEntity(finding, "server"));
            }
        }

        if (run.Findings.Any(f => f.Severity >= Severity.Error))
        {
            run.Verdict = Verdict.Fail;
        }

        return run;
    }

    private static BurnInRun UnseenRun(BurnInResult result, BurnInJobCard card, IReadOnlyList<string> devices, BurnInLevel level)
    {
        var run = new BurnInRun
        {
            RunId = result.RunId, ToolVersion = Clip(result.Tool?.Version, 64) ?? "", StartedAt = result.StartedAt.UtcDateTime,
            EndedAt = result.EndedAt.UtcDateTime, Level = result.Options?.Level ?? level, Verdict = Verdict.Fail, Complete = true, Seen = false,
        };
        run.Findings.Add(ToEntity(new Finding(FindingCodes.CardNotSeen, Severity.Error,
            $"Card {card.Serial} (slot {card.Slot?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}) was expected on the host but the agent did not see it.",
            Finding.EvidenceOf(("serial", card.Serial), ("uuid", card.Uuid), ("slot", card.Slot), ("devicesSeen", devices))), "server"));
        return run;
    }

    private static BurnInFinding ToEntity(Finding f, string source) => new()
    {
        Code = Clip(f.Code, 64) ?? "UNKNOWN", Severity = f.Severity, Message = Clip(f.Message, 2000) ?? "", Source = source,
        EvidenceJson = f.Evidence is null ? null : JsonSerializer.Serialize(f.Evidence, s_compact),
    };

    private static string? Clip(string? value, int max) => value is null ? null : value.Length <= max ? value : value[..max];

    /// <summary>Pass: BurnIn → Validated. Fail: BurnIn → Failed, then an RMA case with the evidence (→ RmaPending). Audited with the run.</summary>
    private static void ApplyVerdict(FleetDbContext db, Gpu gpu, BurnInRun run, BurnInCardOutcome outcome, Actor actor, DateTime now, bool hasOpenCase,
        int? vendorId, string? placedBusId)
    {
        if (gpu.Status != GpuStatus.BurnIn || outcome == BurnInCardOutcome.Incomplete)
        {
            return;
        }

        var failing = run.Findings.Where(f => f.Severity >= Severity.Error).ToList();
        var summary = failing.Count == 0
            ? (run.Findings.Count == 0 ? "no findings" : "findings " + string.Join(", ", run.Findings.Select(f => f.Code).Distinct()))
            : string.Join("; ", failing.Select(f => $"{f.Code}: {f.Message}"));
        var message = Clip($"Burn-in run {run.RunId} (run #{run.Id}{(run.StandIn ? ", CPU stand-in" : "")}): {run.Verdict.ToString().ToLowerInvariant()}; {summary}", 2000)!;
        Transition(db, gpu, outcome == BurnInCardOutcome.Passed ? GpuStatus.Validated : GpuStatus.Failed, actor, now, message);
        if (outcome != BurnInCardOutcome.Failed || hasOpenCase)
        {
            return;
        }

        var evidence = Evidence(gpu, run, failing, placedBusId);
        var reason = Clip($"Failed burn-in run {run.RunId}: " + string.Join(", ", failing.Select(f => f.Code).Distinct()), 2000)!;
        var before = AuditLog.GpuState(gpu);
        var rma = RmaCase.Open(gpu, vendorId, reason, evidence, null, false, actor.Name, actor.Role, now, out var move);
        db.RmaCases.Add(rma);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
            $"{move.From} → {move.To}: {move.Message}"));
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(RmaCase), gpu.Serial, AuditActions.Create, null,
            new { gpu.Serial, rma.Reason, run.RunId, BurnInRunId = run.Id }, $"opened from burn-in run {run.RunId}"));
    }

    private static void Transition(FleetDbContext db, Gpu gpu, GpuStatus to, Actor actor, DateTime now, string message)
    {
        var before = AuditLog.GpuState(gpu);
        var record = gpu.TransitionTo(to, actor.Name, actor.Role, now, message);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
            $"{record.From} → {record.To}: {message}"));
    }

    /// <summary>What the vendor needs: the card's identity, the failing findings, and the run's JSON (telemetry samples dropped if it is too long).</summary>
    private static string Evidence(Gpu gpu, BurnInRun run, IReadOnlyList<BurnInFinding> failing, string? placedBusId)
    {
        var pciBusId = run.PciBusId ?? placedBusId;
        JsonNode? device = run.DeviceJson is null ? null : JsonNode.Parse(run.DeviceJson);
        string Build() => new JsonObject
        {
            ["serial"] = gpu.Serial, ["uuid"] = run.DeviceUuid ?? gpu.Uuid, ["vbios"] = run.Vbios ?? gpu.Vbios,
            ["boardPartNumber"] = run.BoardPartNumber ?? gpu.BoardPartNumber, ["pciBusId"] = pciBusId, ["model"] = gpu.Model?.Name,
            ["runId"] = run.RunId, ["burnInRunId"] = run.Id, ["standIn"] = run.StandIn, ["startedAt"] = run.StartedAt, ["endedAt"] = run.EndedAt,
            ["findings"] = new JsonArray(failing.Select(f => (JsonNode)new JsonObject
            {
                ["code"] = f.Code, ["severity"] = f.Severity.ToString().ToLowerInvariant(), ["message"] = f.Message,
                ["evidence"] = f.EvidenceJson is null ? null : JsonNode.Parse(f.EvidenceJson),
            }).ToArray()),
            ["run"] = device?.DeepClone(),
        }.ToJsonString(s_compact);
        var text = Build();
        if (text.Length > 64_000 && device?["telemetry"] is JsonObject telemetry)
        {
            telemetry.Remove("samples");
            text = Build();
        }

        if (text.Length > 64_000)
        {
            device = null;
            text = Build();
        }

        return text;
    }

    private static async Task<ResultResponse> ResponseAsync(FleetDbContext db, long reportId, string runId, bool replayed, CancellationToken ct)
    {
        var runs = await db.BurnInRuns.AsNoTracking().Where(r => r.ReportId == reportId).OrderBy(r => r.Id)
            .Join(db.Gpus, r => r.GpuId, g => g.Id, (r, g) => new { r.Id, g.Serial, r.Verdict, r.StandIn, r.Complete }).ToListAsync(ct);
        var items = runs.Select(r => new StoredRunItem(r.Id, r.Serial, r.Verdict,
            r.Verdict == Verdict.Fail ? BurnInCardOutcome.Failed : r.Complete ? BurnInCardOutcome.Passed : BurnInCardOutcome.Incomplete, r.StandIn)).ToList();
        return new ResultResponse(runId, items.Select(i => i.Id).ToList(), items, replayed);
    }
}
