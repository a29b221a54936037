using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Cli.Tests.Agent;
using Fleet.Cli.Tests.Infer;
using Fleet.Domain;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Cli.Tests.Integration;

/// <summary>
/// The real `fleet agent` process (CPU stand-ins) against the real web app on Kestrel on 127.0.0.1, per provider: a campaign created
/// over the API, claimed, burnt in, posted, and its verdicts moving the cards; and the server stopped and restarted mid-run.
/// </summary>
public abstract class AgentRealServerTests(string provider) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public async Task Agent_OnceWithStandIns_JobDoneAndEveryCardValidatedAsStandIn()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await FleetKestrelServer.StartAsync(database);
        var cards = await ArrangeAsync(server, "pass", 2);
        var campaign = await CreateCampaignAsync(server, cards, durationSeconds: 1);
        var token = await server.TokenAsync(Roles.Agent);

        using var agent = StartAgent(server.Url, token, cards, "--once", "--json");
        Assert.True(await agent.WaitForExitAsync(300) == 0, agent.Stderr);

        await using var db = server.CreateDbContext();
        var job = await db.BurnInJobs.AsNoTracking().SingleAsync(j => j.CampaignId == campaign);
        Assert.Equal(BurnInJobState.Done, job.State);
        var runs = await db.BurnInRuns.AsNoTracking().Where(r => r.JobId == job.Id).ToListAsync();
        Assert.Equal(cards.Count, runs.Count);
        Assert.Equal(cards.Count, runs.Select(r => r.GpuId).Distinct().Count());
        Assert.All(runs, r => Assert.True(r.StandIn && r.Seen && r.Verdict == Verdict.Pass));
        foreach (var card in cards)
        {
            Assert.Equal(GpuStatus.Validated, (await BurnInFleet.GpuAsync(db, card.Serial)).Status);
        }

        // What the API shows for a card: its run, marked as a stand-in, never real silicon.
        using var reader = server.Client(await server.TokenAsync(Roles.Technician));
        using var shown = JsonDocument.Parse(await reader.GetStringAsync($"api/gpus/{cards[0].Serial}/burnin"));
        var run = Assert.Single(shown.RootElement.EnumerateArray());
        Assert.True(run.GetProperty("standIn").GetBoolean());
        using var report = JsonDocument.Parse(agent.Stdout);
        Assert.Equal("posted", report.RootElement.GetProperty("jobs")[0].GetProperty("outcome").GetString());
        Assert.Equal(runs.Select(r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
            report.RootElement.GetProperty("jobs")[0].GetProperty("runIds").EnumerateArray().Select(e => e.GetString()!).Order());
    }

    [SkippableFact]
    public async Task Agent_InjectedGemmFault_CardFailsWithAnRmaCaseHoldingTheEvidence()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await FleetKestrelServer.StartAsync(database);
        var cards = await ArrangeAsync(server, "fault", 1);
        var campaign = await CreateCampaignAsync(server, cards, durationSeconds: 1);

        using var agent = StartAgent(server.Url, await server.TokenAsync(Roles.Agent), cards, "--once", "--inject-fault", "gemm");
        Assert.True(await agent.WaitForExitAsync(300) == 0, agent.Stderr); // delivered: the verdict is the server's to act on

        await using var db = server.CreateDbContext();
        var job = await db.BurnInJobs.AsNoTracking().SingleAsync(j => j.CampaignId == campaign);
        Assert.Equal(BurnInJobState.Done, job.State);
        var run = await db.BurnInRuns.AsNoTracking().Include(r => r.Findings).SingleAsync(r => r.JobId == job.Id);
        Assert.Equal(Verdict.Fail, run.Verdict);
        Assert.True(run.StandIn);
        Assert.Contains(run.Findings, f => f.Code == FindingCodes.GemmMismatch && f.Severity >= Severity.Error);
        var gemm = run.Findings.First(f => f.Code == FindingCodes.GemmMismatch);
        var gpu = await BurnInFleet.GpuAsync(db, cards[0].Serial);
        Assert.Equal(GpuStatus.RmaPending, gpu.Status); // BurnIn → Failed, then the RMA case moves it on
        var rma = await db.RmaCases.AsNoTracking().SingleAsync(c => c.GpuId == gpu.Id);
        using var evidence = JsonDocument.Parse(rma.Evidence!);
        Assert.Equal(cards[0].Serial, evidence.RootElement.GetProperty("serial").GetString());
        Assert.Equal(cards[0].Uuid, evidence.RootElement.GetProperty("uuid").GetString());
        Assert.Equal(run.RunId, evidence.RootElement.GetProperty("runId").GetString());
        Assert.True(evidence.RootElement.GetProperty("standIn").GetBoolean());
        Assert.Contains(evidence.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == gemm.Code);
        Assert.Contains(gemm.Code, rma.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Agent_ServerRestartedMidBurnIn_SpooledResultLandsOnceAndAgentCarriesOn()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // A lease long enough to outlast the restart on a loaded machine (heartbeats stop while the result waits in the spool).
        var settings = new Dictionary<string, string> { ["Fleet:BurnIn:LeaseSeconds"] = "300" };
        var first = await FleetKestrelServer.StartAsync(database, settings: settings);
        var port = first.Port;
        IReadOnlyList<TestCard> cards;
        int campaign;
        string token;
        AgentProcess agent;
        try
        {
            cards = await ArrangeAsync(first, "restart", 2);
            campaign = await CreateCampaignAsync(first, cards, durationSeconds: 3);
            token = await first.TokenAsync(Roles.Agent);
            agent = StartAgent(first.Url, token, cards);
            await agent.WaitForStderrAsync("burn-in started", 120);
        }
        finally
        {
            await first.DisposeAsync(); // the server goes away while the agent is burning in
        }

        using (agent)
        {
            // Measured while the server is down: spooled, and retried.
            await agent.WaitForStderrAsync("kept in the spool, retrying", 300);
            var spooled = Assert.Single(Directory.GetFiles(_temp.File("spool"), "*.result.json"));
            var runId = Path.GetFileName(spooled)[..^".result.json".Length];

            await using var second = await FleetKestrelServer.StartAsync(database, port, settings);
            await agent.WaitForStderrAsync($"run {runId}: posted", 120);
            var posted = agent.Stderr.LastIndexOf($"run {runId}: posted", StringComparison.Ordinal);
            await WaitUntilAsync(() => agent.Stderr.IndexOf("no job for this host", posted, StringComparison.Ordinal) > 0, "a claim after the post", agent);
            agent.Terminate();
            Assert.True(await agent.WaitForExitAsync(60) == 0, agent.Stderr);

            await using var db = second.CreateDbContext();
            var job = await db.BurnInJobs.AsNoTracking().SingleAsync(j => j.CampaignId == campaign);
            Assert.Equal(BurnInJobState.Done, job.State);
            Assert.Equal(1, job.Attempts); // the lease held across the restart: never handed out again
            Assert.Equal(1, await db.BurnInReports.CountAsync(r => r.RunId == runId));
            var runs = await db.BurnInRuns.AsNoTracking().Where(r => r.JobId == job.Id).ToListAsync();
            Assert.Equal(cards.Count, runs.Count); // one run per card, no doubles
            Assert.Equal(cards.Count, runs.Select(r => r.GpuId).Distinct().Count());
            Assert.All(runs, r => Assert.Equal(runId, r.RunId));
            Assert.Equal(cards.Count, await db.BurnInRuns.CountAsync());
            foreach (var card in cards)
            {
                Assert.Equal(GpuStatus.Validated, (await BurnInFleet.GpuAsync(db, card.Serial)).Status);
            }

            Assert.Empty(Directory.GetFiles(_temp.File("spool"), "*.result.json"));
            Assert.True(File.Exists(Path.Combine(_temp.File("spool"), "sent", runId + ".result.json")));
        }
    }

    /// <summary>Placed, Received cards on one host (the name the agent is started with).</summary>
    internal static async Task<IReadOnlyList<TestCard>> ArrangeAsync(FleetKestrelServer server, string prefix, int cards, string? hostName = null)
    {
        await using var db = server.CreateDbContext();
        var arranged = await BurnInFleet.AddHostsAsync(db, prefix, 1, cards);
        if (hostName is null)
        {
            return arranged;
        }

        var host = await db.Hosts.SingleAsync(h => h.Hostname == arranged[0].Host);
        host.Hostname = hostName;
        await db.SaveChangesAsync();
        return arranged.Select(c => c with { Host = hostName }).ToList();
    }

    /// <summary>A campaign over the API (as a Technician) for the cards; returns its id.</summary>
    internal static async Task<int> CreateCampaignAsync(FleetKestrelServer server, IReadOnlyList<TestCard> cards, double durationSeconds)
    {
        using var technician = server.Client(await server.TokenAsync(Roles.Technician));
        using var response = await technician.PostAsJsonAsync("api/burnin/campaigns",
            new { name = "agent integration", level = "quick", durationSeconds, serials = cards.Select(c => c.Serial) });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var created = JsonDocument.Parse(body);
        Assert.Equal(1, created.RootElement.GetProperty("jobs").GetInt32());
        Assert.Equal(cards.Count, created.RootElement.GetProperty("cards").GetInt32());
        return created.RootElement.GetProperty("id").GetInt32();
    }

    private AgentProcess StartAgent(string url, string token, IReadOnlyList<TestCard> cards, params string[] args) =>
        AgentProcess.Start(["agent", "--server", url, "--token", token, "--host", cards[0].Host, "--spool", _temp.File("spool"), "--max-backoff", "1s",
            "--device", "cpu", "--stand-in", string.Join(',', cards.Select(c => c.Serial)), .. args]);

    private static async Task WaitUntilAsync(Func<bool> condition, string what, AgentProcess agent, int timeoutSeconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting for {what}:\n{agent.Stderr}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }
}

public sealed class SqliteAgentRealServerTests() : AgentRealServerTests(TestDatabase.Sqlite);

public sealed class PostgresAgentRealServerTests() : AgentRealServerTests(TestDatabase.Postgres);
