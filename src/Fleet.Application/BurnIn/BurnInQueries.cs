using System.Text.Json;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Application.BurnIn;

/// <summary>Campaign progress (jobs by state; cards passed, failed, pending with the failing findings) and a card's runs.</summary>
public sealed class BurnInQueries(IDbContextFactory<FleetDbContext> contexts)
{
    public async Task<IReadOnlyList<CampaignSummary>> CampaignsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaigns = await db.BurnInCampaigns.AsNoTracking().OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(500).ToListAsync(ct);
        return await SummariesAsync(db, campaigns, ct);
    }

    public async Task<CampaignDetail> CampaignAsync(int id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaign = await db.BurnInCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new NotFoundException($"No burn-in campaign {id}.");
        var summary = (await SummariesAsync(db, [campaign], ct))[0];
        var jobs = await db.BurnInJobs.AsNoTracking().Where(j => j.CampaignId == id).OrderBy(j => j.HostName)
            .Select(j => new CampaignJobItem(j.Id, j.HostName, j.State, j.Attempts, j.HolderAgentId, j.Phase, j.Percent, j.LastHeartbeatAt,
                j.LeaseExpiresAt, j.FailureReason, j.Cards.Count, j.Kind, null, null, null))
            .ToListAsync(ct);
        if (campaign.Kind == BurnInCampaignKind.Profile)
        {
            var jobIds = jobs.Select(j => j.Id).ToList();
            var measured = await (from c in db.BurnInJobCards.AsNoTracking()
                                  join g in db.Gpus on c.GpuId equals g.Id
                                  join m in db.GpuModels on g.GpuModelId equals m.Id
                                  where jobIds.Contains(c.JobId)
                                  select new { c.JobId, c.Serial, Model = m.Name }).ToListAsync(ct);
            var profiles = await db.StoredProfiles.AsNoTracking().Where(p => p.BurnInJobId != null && jobIds.Contains(p.BurnInJobId.Value))
                .Select(p => new { JobId = p.BurnInJobId!.Value, p.Id }).ToListAsync(ct);
            jobs = jobs.Select(j => measured.FirstOrDefault(m => m.JobId == j.Id) is { } m
                ? j with { Serial = m.Serial, GpuModel = m.Model, ProfileId = profiles.FirstOrDefault(p => p.JobId == j.Id)?.Id }
                : j).ToList();
        }

        var cards = await db.BurnInJobCards.AsNoTracking()
            .Join(db.BurnInJobs.Where(j => j.CampaignId == id), c => c.JobId, j => j.Id, (c, j) => new { c.Serial, j.HostName, c.Slot, c.Outcome, c.BurnInRunId })
            .OrderBy(c => c.HostName).ThenBy(c => c.Slot).ToListAsync(ct);
        var runIds = cards.Select(c => c.BurnInRunId).OfType<long>().ToList();
        var findings = await FindingsAsync(db, runIds, ct);
        var standIns = await db.BurnInRuns.AsNoTracking().Where(r => runIds.Contains(r.Id) && r.StandIn).Select(r => r.Id).ToListAsync(ct);
        return new CampaignDetail(summary, jobs, cards.Select(c => new CampaignCardItem(c.Serial, c.HostName, c.Slot, c.Outcome, c.BurnInRunId,
            c.BurnInRunId is { } r && standIns.Contains(r),
            c.BurnInRunId is { } run && findings.TryGetValue(run, out var f) ? f : [])).ToList());
    }

    /// <summary>Cards in BurnIn or Received (waiting), passing and failing runs, and the failing findings by code, most frequent first.</summary>
    public async Task<BurnInDashboard> DashboardAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var waiting = await db.Gpus.CountAsync(g => g.Status == Fleet.Domain.Lifecycle.GpuStatus.BurnIn || g.Status == Fleet.Domain.Lifecycle.GpuStatus.Received, ct);
        var verdicts = await db.BurnInRuns.GroupBy(r => r.Verdict).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var passed = verdicts.Where(v => v.Key == Verdict.Pass).Sum(v => v.Count);
        var failed = verdicts.Where(v => v.Key == Verdict.Fail).Sum(v => v.Count);
        var codes = await db.BurnInFindings.Where(f => f.Severity == Severity.Error || f.Severity == Severity.Critical)
            .GroupBy(f => f.Code).Select(g => new { g.Key, Runs = g.Select(f => f.BurnInRunId).Distinct().Count() }).ToListAsync(ct);
        return new BurnInDashboard(waiting, passed, failed, passed + failed == 0 ? null : (double)passed / (passed + failed),
            codes.OrderByDescending(c => c.Runs).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new FindingCount(c.Key, c.Runs)).ToList());
    }

    /// <summary>The card's runs, newest first.</summary>
    public async Task<IReadOnlyList<GpuBurnInRunItem>> GpuRunsAsync(string serial, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpuId = await db.Gpus.Where(g => g.Serial == serial).Select(g => (int?)g.Id).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No GPU with serial '{serial}'.");
        var runs = await db.BurnInRuns.AsNoTracking().Include(r => r.Precisions).Where(r => r.GpuId == gpuId)
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(200).ToListAsync(ct);
        var findings = await FindingsAsync(db, runs.Select(r => r.Id).ToList(), ct);
        var cases = await RmaCasesAsync(db, gpuId, ct);
        return runs.Select(r => Item(r, findings, cases)).ToList();
    }

    /// <summary>One run with its telemetry samples (read from the stored device document), for the Burn-in page's charts.</summary>
    public async Task<BurnInRunDetail> RunAsync(long id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.BurnInRuns.AsNoTracking().Include(r => r.Precisions).FirstOrDefaultAsync(r => r.Id == id, ct)
            ?? throw new NotFoundException($"No burn-in run {id}.");
        var serial = await db.Gpus.Where(g => g.Id == run.GpuId).Select(g => g.Serial).FirstAsync(ct);
        var findings = await FindingsAsync(db, [run.Id], ct);
        var cases = await RmaCasesAsync(db, run.GpuId, ct);
        return new BurnInRunDetail(serial, Item(run, findings, cases), Samples(run.DeviceJson));
    }

    private static GpuBurnInRunItem Item(BurnInRun r, Dictionary<long, List<FindingItem>> findings, List<(int Id, string Reason)> cases) =>
        new(r.Id, r.RunId, r.CampaignId, r.JobId, r.ToolVersion, r.StartedAt, r.EndedAt, r.Level, r.Verdict,
            r.Complete, r.StandIn, r.Seen, r.DeviceName, r.DeviceUuid, r.PciBusId, r.DeviceToDeviceGBs, r.HostToDeviceGBs, r.DeviceToHostGBs,
            r.MaxTemperatureC, r.MaxPowerW, r.EnergyJ, findings.TryGetValue(r.Id, out var f) ? f : [],
            r.Precisions.OrderBy(p => p.Precision).Select(p => new PrecisionItem(p.Precision, p.Engine, p.Size, p.Tflops, p.SpecTflops, p.PercentOfSpec,
                p.FleetMedianTflops)).ToList(),
            // A failed run's case names the run in its reason ("Failed burn-in run {runId}: ..."); the card's cases are few.
            r.Verdict == Verdict.Fail ? cases.Where(c => c.Reason.Contains(r.RunId, StringComparison.Ordinal)).Select(c => (int?)c.Id).FirstOrDefault() : null);

    private static async Task<List<(int Id, string Reason)>> RmaCasesAsync(FleetDbContext db, int gpuId, CancellationToken ct) =>
        (await db.RmaCases.AsNoTracking().Where(c => c.GpuId == gpuId).OrderByDescending(c => c.Id).Select(c => new { c.Id, c.Reason }).ToListAsync(ct))
            .Select(c => (c.Id, c.Reason)).ToList();

    /// <summary>The samples of the device's <c>telemetry.samples</c> (camelCase, as stored); none when the document has none.</summary>
    private static List<TelemetryPoint> Samples(string? deviceJson)
    {
        if (deviceJson is null)
        {
            return [];
        }

        try
        {
            var device = JsonSerializer.Deserialize<DeviceTelemetryOnly>(deviceJson, BurnInJson.Options);
            return device?.Telemetry?.Samples.OrderBy(s => s.At).Select(s => new TelemetryPoint(s.At.UtcDateTime, s.TemperatureC, s.PowerW)).ToList() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private sealed record DeviceTelemetryOnly(TelemetrySummary? Telemetry);

    private static async Task<Dictionary<long, List<FindingItem>>> FindingsAsync(FleetDbContext db, List<long> runIds, CancellationToken ct)
    {
        var rows = await db.BurnInFindings.AsNoTracking().Where(f => runIds.Contains(f.BurnInRunId)).OrderBy(f => f.Id).ToListAsync(ct);
        return rows.GroupBy(f => f.BurnInRunId).ToDictionary(g => g.Key,
            g => g.OrderByDescending(f => f.Severity).Select(f => new FindingItem(f.Code, f.Severity, f.Message, f.EvidenceJson, f.Source)).ToList());
    }

    private static async Task<List<CampaignSummary>> SummariesAsync(FleetDbContext db, List<BurnInCampaign> campaigns, CancellationToken ct)
    {
        var ids = campaigns.Select(c => c.Id).ToList();
        var jobs = await db.BurnInJobs.AsNoTracking().Where(j => ids.Contains(j.CampaignId)).GroupBy(j => new { j.CampaignId, j.State })
            .Select(g => new { g.Key.CampaignId, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        var cards = await db.BurnInJobCards.AsNoTracking()
            .Join(db.BurnInJobs.Where(j => ids.Contains(j.CampaignId)), c => c.JobId, j => j.Id, (c, j) => new { j.CampaignId, c.Outcome })
            .GroupBy(x => new { x.CampaignId, x.Outcome }).Select(g => new { g.Key.CampaignId, g.Key.Outcome, Count = g.Count() }).ToListAsync(ct);
        return campaigns.Select(c =>
        {
            int J(BurnInJobState s) => jobs.Where(j => j.CampaignId == c.Id && j.State == s).Sum(j => j.Count);
            int C(BurnInCardOutcome o) => cards.Where(x => x.CampaignId == c.Id && x.Outcome == o).Sum(x => x.Count);
            var total = cards.Where(x => x.CampaignId == c.Id).Sum(x => x.Count);
            // A profile job's one card is measured (passed) when its profile is stored, failed when the job failed.
            var (passed, failed) = c.Kind == BurnInCampaignKind.Profile
                ? (J(BurnInJobState.Done), J(BurnInJobState.Failed))
                : (C(BurnInCardOutcome.Passed), C(BurnInCardOutcome.Failed));
            return new CampaignSummary(c.Id, c.Name, c.Level.ToString().ToLowerInvariant(), c.DurationSeconds, c.State, c.CreatedBy, c.CreatedAt,
                c.CompletedAt, new CampaignJobCounts(J(BurnInJobState.Queued), J(BurnInJobState.Claimed), J(BurnInJobState.Done), J(BurnInJobState.Failed),
                    J(BurnInJobState.Cancelled)),
                new CampaignCardCounts(total, passed, failed, total - passed - failed), c.Kind, c.Preset, c.Dtype);
        }).ToList();
    }
}
