using Fleet.Application.BurnIn;
using Fleet.Domain;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Tests.BurnIn;

/// <summary>The burn-in job queue and result ingestion, on each provider.</summary>
public abstract class BurnInQueueContractTests(string provider)
{
    private static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..8];

    [SkippableFact]
    public async Task Claim_ManyAgentsAtOnce_EachJobHasExactlyOneHolder()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 12, cards: 2);
        await world.CampaignAsync(cards);
        var hosts = cards.Select(c => c.Host).Distinct().ToList();

        // Four agents per host, all at once: 48 claims race for 12 jobs.
        var claims = await Task.WhenAll(hosts.SelectMany(h => Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => world.ClaimAsync(h, agentId: $"{h}/{i}")))));

        var won = claims.OfType<ClaimResponse>().ToList();
        Assert.Equal(hosts.Count, won.Count);
        Assert.Equal(hosts.Count, won.Select(c => c.JobId).Distinct().Count());
        await using var db = world.Db();
        var jobs = await db.BurnInJobs.AsNoTracking().ToListAsync();
        Assert.All(jobs, j =>
        {
            Assert.Equal(BurnInJobState.Claimed, j.State);
            Assert.Equal(1, j.Attempts);
            Assert.StartsWith(j.HostName + "/", j.HolderAgentId);
        });
        Assert.All(won, c => Assert.Equal(2, c.Cards.Count));
    }

    [SkippableFact]
    public async Task Claim_NothingQueuedForHost_ReturnsNull()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 2, cards: 1);
        await world.CampaignAsync(cards.Take(1));
        Assert.Null(await world.ClaimAsync(cards[1].Host));
        Assert.NotNull(await world.ClaimAsync(cards[0].Host));
        Assert.Null(await world.ClaimAsync(cards[0].Host, BurnInWorld.AgentB, "agent-2"));
    }

    [SkippableFact]
    public async Task LeaseRunsOut_ThreeTimes_JobRequeuedTwiceThenFailsWithReason()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 2);
        var campaign = await world.CampaignAsync(cards);
        var host = cards[0].Host;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var claim = await world.ClaimAsync(host, agentId: $"agent-{attempt}");
            Assert.NotNull(claim);
            world.Advance(TimeSpan.FromSeconds(121));
            Assert.Equal(1, await world.Leases.SweepAsync());
            await using var db = world.Db();
            var job = await db.BurnInJobs.AsNoTracking().SingleAsync();
            Assert.Equal(attempt, job.Attempts);
            Assert.Equal(attempt < 3 ? BurnInJobState.Queued : BurnInJobState.Failed, job.State);
            Assert.Null(job.HolderAgentId);
        }

        Assert.Null(await world.ClaimAsync(host, agentId: "agent-4"));
        var detail = await world.Queries.CampaignAsync(campaign.Id);
        Assert.Equal(1, detail.Summary.Jobs.Failed);
        Assert.Equal(BurnInCampaignState.Completed, detail.Summary.State);
        Assert.Contains("3 attempts", detail.JobList[0].FailureReason);
    }

    [SkippableFact]
    public async Task Heartbeat_BeforeLeaseEnds_KeepsTheJobHeld()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 1);
        await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        world.Advance(TimeSpan.FromSeconds(100));
        var beat = await world.Heartbeats.HeartbeatAsync(claim.JobId, new HeartbeatRequest("gemm", 40), BurnInWorld.AgentA);
        Assert.Equal(world.Time.GetUtcNow().UtcDateTime.AddSeconds(120), beat.LeaseExpiresAt);
        world.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(0, await world.Leases.SweepAsync());
        world.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(1, await world.Leases.SweepAsync());
        await using var db = world.Db();
        var job = await db.BurnInJobs.AsNoTracking().SingleAsync();
        Assert.Equal(BurnInJobState.Queued, job.State);
        Assert.Equal("gemm", job.Phase);
    }

    [SkippableFact]
    public async Task Heartbeat_ByAnotherAgentOrAfterLeaseLost_IsAConflict()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 1);
        await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            world.Heartbeats.HeartbeatAsync(claim.JobId, new HeartbeatRequest("gemm", 10), BurnInWorld.AgentB));
        world.Advance(TimeSpan.FromSeconds(121));
        var lost = await Assert.ThrowsAsync<ConcurrencyException>(() =>
            world.Heartbeats.HeartbeatAsync(claim.JobId, new HeartbeatRequest("gemm", 10), BurnInWorld.AgentA));
        Assert.Contains("lease", lost.Message);
    }

    [SkippableFact]
    public async Task Results_AfterLeaseLostAndReclaimed_RefusedAndNothingWritten()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 2);
        await world.CampaignAsync(cards);
        var first = (await world.ClaimAsync(cards[0].Host, agentId: "old"))!;
        var startedAt = world.Time.GetUtcNow();
        world.Advance(TimeSpan.FromSeconds(300));
        await world.Leases.SweepAsync();
        var second = (await world.ClaimAsync(cards[0].Host, agentId: "new"))!;
        Assert.Equal(first.JobId, second.JobId);

        // The old run, made under the lost lease, arrives late with the same token.
        var late = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards), startedAt);
        await Assert.ThrowsAsync<ConcurrencyException>(() => world.Results.PostAsync(first.JobId, late, BurnInWorld.AgentA, "old"));
        await Assert.ThrowsAsync<ConcurrencyException>(() => world.Results.PostAsync(first.JobId, late, BurnInWorld.AgentA));
        await using var db = world.Db();
        Assert.Equal(0, await db.BurnInReports.CountAsync());
        Assert.Equal(0, await db.BurnInRuns.CountAsync());
        Assert.All(await db.Gpus.AsNoTracking().ToListAsync(), g => Assert.Equal(GpuStatus.BurnIn, g.Status));
    }

    [SkippableFact]
    public async Task Results_PassAndFail_MoveCardsAndOpenRmaWithEvidence()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 3);
        var campaign = await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        var runId = Guid.NewGuid().ToString();
        var doc = BurnInFleet.Document(runId, cards[0].Host,
            [new(cards[0].Serial, cards[0].Uuid), new(cards[1].Serial, cards[1].Uuid, Fail: true), new(cards[2].Serial, cards[2].Uuid)],
            world.Time.GetUtcNow());

        var stored = await world.Results.PostAsync(claim.JobId, doc, BurnInWorld.AgentA);

        Assert.False(stored.Replayed);
        Assert.Equal(3, stored.RunIds.Count);
        await using var db = world.Db();
        var passed = await BurnInFleet.GpuAsync(db, cards[0].Serial);
        var failed = await BurnInFleet.GpuAsync(db, cards[1].Serial);
        Assert.Equal(GpuStatus.Validated, passed.Status);
        Assert.Equal(GpuStatus.RmaPending, failed.Status);
        var rma = await db.RmaCases.AsNoTracking().SingleAsync();
        Assert.Equal(failed.Id, rma.GpuId);
        Assert.Equal(RmaStatus.Open, rma.Status);
        Assert.Contains(FindingCodes.MemoryError, rma.Reason);
        foreach (var expected in new[] { cards[1].Serial, cards[1].Uuid, "96.00.74.00.01", "692-2G520-0200-000", "00000000:19:00.0", runId, "walking-ones" })
        {
            Assert.Contains(expected, rma.Evidence);
        }

        var audit = await db.AuditEntries.AsNoTracking().Where(a => a.EntityType == "Gpu" && a.EntityKey == failed.Serial && a.Action == "Transition")
            .OrderBy(a => a.Id).Select(a => a.Message!).ToListAsync();
        Assert.Contains(audit, m => m.StartsWith("BurnIn → Failed", StringComparison.Ordinal) && m.Contains(runId) && m.Contains(FindingCodes.MemoryError));
        Assert.Contains(audit, m => m.StartsWith("Failed → RmaPending", StringComparison.Ordinal));
        Assert.Contains(await db.AuditEntries.AsNoTracking().Where(a => a.EntityKey == passed.Serial).Select(a => a.Message!).ToListAsync(),
            m => m.StartsWith("BurnIn → Validated", StringComparison.Ordinal) && m.Contains(runId));

        // 36,000 J per card over the run is 0.01 kWh each.
        var energy = await db.GpuEnergyReadings.AsNoTracking().ToListAsync();
        Assert.Equal(3, energy.Count);
        Assert.All(energy, e => Assert.Equal(0.01, e.EnergyKwh, 9));

        var detail = await world.Queries.CampaignAsync(campaign.Id);
        Assert.Equal(BurnInCampaignState.Completed, detail.Summary.State);
        Assert.Equal(new CampaignCardCounts(3, 2, 1, 0), detail.Summary.Cards);
        var failing = Assert.Single(detail.CardList, c => c.Outcome == BurnInCardOutcome.Failed);
        Assert.Equal(FindingCodes.MemoryError, failing.Findings[0].Code);
    }

    [SkippableFact]
    public async Task Results_SameDocumentTwice_SameRunsNothingWritten_DifferentContentRefused()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 2);
        await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        var runId = Guid.NewGuid().ToString();
        var doc = BurnInFleet.Document(runId, cards[0].Host, BurnInFleet.Seen(cards), world.Time.GetUtcNow());
        var first = await world.Results.PostAsync(claim.JobId, doc, BurnInWorld.AgentA);
        int Count(Fleet.Data.FleetDbContext db) => db.AuditEntries.Count() + db.BurnInRuns.Count() + db.BurnInFindings.Count() + db.GpuEnergyReadings.Count();
        int before;
        await using (var db = world.Db())
        {
            before = Count(db);
        }

        var again = await world.Results.PostAsync(claim.JobId, doc, BurnInWorld.AgentA);
        Assert.True(again.Replayed);
        Assert.Equal(first.RunIds, again.RunIds);

        var changed = BurnInFleet.Document(runId, cards[0].Host, [new(cards[0].Serial, cards[0].Uuid, Bf16Tflops: 650), new(cards[1].Serial, cards[1].Uuid)],
            world.Time.GetUtcNow());
        var conflict = await Assert.ThrowsAsync<ConcurrencyException>(() => world.Results.PostAsync(claim.JobId, changed, BurnInWorld.AgentA));
        Assert.Contains("different content", conflict.Message);
        await using (var db = world.Db())
        {
            Assert.Equal(before, Count(db));
        }
    }

    [SkippableFact]
    public async Task Results_UnseenCardAndUnknownDevice_BecomeFindings_UnseenCardFails()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 2);
        await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;

        // Card 0 is seen by serial only (no UUID); card 1 is missing; a stranger shows up.
        var doc = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host,
            [new(cards[0].Serial, null), new("NOT-IN-FLEET", "GPU-unknown")], world.Time.GetUtcNow());
        var stored = await world.Results.PostAsync(claim.JobId, doc, BurnInWorld.AgentA);

        var seen = await world.Queries.GpuRunsAsync(cards[0].Serial);
        var missing = await world.Queries.GpuRunsAsync(cards[1].Serial);
        Assert.Equal(Verdict.Pass, seen[0].Verdict);
        Assert.Contains(seen[0].Findings, f => f.Code == FindingCodes.DeviceNotInJob && f.Severity == Severity.Warning && f.Evidence!.Contains("NOT-IN-FLEET"));
        Assert.Equal(Verdict.Fail, missing[0].Verdict);
        Assert.False(missing[0].Seen);
        Assert.Contains(missing[0].Findings, f => f.Code == FindingCodes.CardNotSeen && f.Severity == Severity.Error);
        Assert.Equal(2, stored.Runs.Count);
        await using var db = world.Db();
        Assert.Equal(GpuStatus.RmaPending, (await BurnInFleet.GpuAsync(db, cards[1].Serial)).Status);
    }

    [SkippableFact]
    public async Task Results_CardOfAnotherHost_RefusedAndNothingWritten()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 2, cards: 1);
        await world.CampaignAsync(cards);
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        var doc = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards), world.Time.GetUtcNow());

        var refused = await Assert.ThrowsAsync<DomainException>(() => world.Results.PostAsync(claim.JobId, doc, BurnInWorld.AgentA));

        Assert.Contains(cards[1].Serial, refused.Message);
        Assert.Contains(cards[1].Host, refused.Message);
        await using var db = world.Db();
        Assert.Equal(0, await db.BurnInRuns.CountAsync());
        Assert.Equal(BurnInJobState.Claimed, (await db.BurnInJobs.AsNoTracking().FirstAsync(j => j.Id == claim.JobId)).State);
    }

    [SkippableFact]
    public async Task Results_BelowTheModelsFleetMedian_FailsAsBelowPeers()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 2, cards: 4);
        var first = cards.Where(c => c.Host == cards[0].Host).ToList();
        var second = cards.Except(first).ToList();
        await world.CampaignAsync(first, "history");
        var claim = (await world.ClaimAsync(first[0].Host))!;
        await world.Results.PostAsync(claim.JobId, BurnInFleet.Document(Guid.NewGuid().ToString(), first[0].Host,
            first.Select((c, i) => new BurnInFleet.DeviceOutcome(c.Serial, c.Uuid, Bf16Tflops: 690 + (i * 10))), world.Time.GetUtcNow()), BurnInWorld.AgentA);

        // On its own host the slow card has no healthy peers; the fleet's validated cards (median 705) are the yardstick.
        await world.CampaignAsync(second, "new");
        claim = (await world.ClaimAsync(second[0].Host))!;
        await world.Results.PostAsync(claim.JobId, BurnInFleet.Document(Guid.NewGuid().ToString(), second[0].Host,
            second.Select(c => new BurnInFleet.DeviceOutcome(c.Serial, c.Uuid, Bf16Tflops: 600)), world.Time.GetUtcNow()), BurnInWorld.AgentA);

        var run = (await world.Queries.GpuRunsAsync(second[0].Serial))[0];
        Assert.Equal(Verdict.Fail, run.Verdict);
        var finding = Assert.Single(run.Findings, f => f.Code == FindingCodes.PerfBelowPeers);
        Assert.Contains("705", finding.Message);
        var bf16 = Assert.Single(run.Precisions, p => p.Precision == Fleet.Domain.Catalog.Precision.Bf16);
        Assert.Equal(705, bf16.FleetMedianTflops);
        Assert.Equal(600.0 / 989 * 100, bf16.PercentOfSpec!.Value, 6);
    }

    [SkippableFact]
    public async Task CreateCampaign_CardAlreadyInOpenCampaign_RefusedNamingIt()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var cards = await world.HostsAsync(Prefix(), hosts: 1, cards: 2);
        await world.CampaignAsync(cards.Take(1));
        var refused = await Assert.ThrowsAsync<DomainException>(() => world.CampaignAsync(cards));
        Assert.Contains(cards[0].Serial, refused.Message);
        Assert.DoesNotContain(cards[1].Serial, refused.Message);
        await using var db = world.Db();
        Assert.Equal(1, await db.BurnInCampaigns.CountAsync());
        Assert.Equal(GpuStatus.Received, (await BurnInFleet.GpuAsync(db, cards[1].Serial)).Status);
    }

    [SkippableFact]
    public async Task CreateCampaign_ByFilter_TakesPlacedReceivedCardsAndMovesThemToBurnIn()
    {
        await using var world = await BurnInWorld.CreateAsync(provider);
        var prefix = Prefix();
        var cards = await world.HostsAsync(prefix, hosts: 3, cards: 2);
        var created = await world.Campaigns.CreateAsync(new CreateCampaignRequest("by filter", "standard", 300,
            Filter: new CampaignFilter(Status: "received", Datacenter: prefix)), BurnInWorld.Tech);
        Assert.Equal(new CreateCampaignResponse(created.Id, 3, 6), created);
        await using var db = world.Db();
        Assert.All(await db.Gpus.AsNoTracking().ToListAsync(), g => Assert.Equal(GpuStatus.BurnIn, g.Status));
        Assert.Equal(6, await db.AuditEntries.CountAsync(a => a.Action == "Transition" && a.Message!.StartsWith("Received → BurnIn")));
        var claim = (await world.ClaimAsync(cards[0].Host))!;
        Assert.Equal("standard", claim.Level);
        Assert.Equal(300, claim.DurationSeconds);
    }
}

public sealed class SqliteBurnInQueueTests() : BurnInQueueContractTests(TestDatabase.Sqlite);

public sealed class PostgresBurnInQueueTests() : BurnInQueueContractTests(TestDatabase.Postgres);
