using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Lifecycle;
using Xunit.Abstractions;

namespace Fleet.Web.Tests.BurnIn;

/// <summary>
/// One agent per host, all at once, against PostgreSQL: claim, heartbeat, post (and re-post, as a retrying agent would),
/// claim again. Every job is claimed exactly once, every card's result stored once, and nothing answers 5xx.
/// <c>FLEET_BURNIN_LOAD_HOSTS</c> sets the size (1,250 hosts × 8 cards is the fleet; the default keeps CI quick).
/// </summary>
public sealed class BurnInLoadTests(ITestOutputHelper output)
{
    private const int CardsPerHost = 8;

    [SkippableFact]
    public async Task Campaign_OneAgentPerHostConcurrently_EveryJobClaimedOnceEveryResultStoredOnceNo5xx()
    {
        var hosts = int.TryParse(Environment.GetEnvironmentVariable("FLEET_BURNIN_LOAD_HOSTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var h)
            ? h
            : 100;
        await using var app = await new FleetWebFactory(TestDatabase.Postgres).StartAsync();
        var setup = Stopwatch.StartNew();
        IReadOnlyList<TestCard> cards;
        await using (var db = app.CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "load", hosts, CardsPerHost);
        }

        using (var tech = await app.ClientForRoleAsync(Roles.Technician))
        {
            var created = await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "load", level = "quick", serials = cards.Select(c => c.Serial) });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"setup: {cards.Count} cards on {hosts} hosts and the campaign in {setup.Elapsed.TotalSeconds:F1} s"));
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var claimedJobs = new ConcurrentBag<long>();
        using var agent = await app.ClientForRoleAsync(Roles.Agent);
        var byHost = cards.GroupBy(c => c.Host).ToList();

        var timings = new ConcurrentDictionary<string, ConcurrentBag<double>>();
        async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> call, string kind)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await call();
            timings.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            statuses.Add(response.StatusCode);
            return response;
        }

        async Task RunAgent(IGrouping<string, TestCard> host)
        {
            var claim = await Send(() => agent.PostAsJsonAsync("/api/agent/claim", new { host = host.Key, agentId = host.Key + "/agent", devices = Array.Empty<object>() }), "claim");
            Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
            var jobId = JsonDocument.Parse(await claim.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetInt64();
            claimedJobs.Add(jobId);
            Assert.Equal(HttpStatusCode.OK, (await Send(() => agent.PostAsJsonAsync($"/api/agent/jobs/{jobId}/heartbeat", new { phase = "gemm", percent = 50 }), "heartbeat")).StatusCode);
            var doc = BurnInFleet.Document(Guid.NewGuid().ToString(), host.Key, BurnInFleet.Seen(host));
            for (var post = 0; post < 2; post++)
            {
                var posted = await Send(() => agent.PostAsync($"/api/agent/jobs/{jobId}/results", new StringContent(doc, Encoding.UTF8, "application/json")),
                    post == 0 ? "results" : "results again");
                Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            }

            Assert.Equal(HttpStatusCode.NoContent,
                (await Send(() => agent.PostAsJsonAsync("/api/agent/claim", new { host = host.Key, agentId = host.Key + "/agent", devices = Array.Empty<object>() }), "empty claim")).StatusCode);
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(byHost.Select(host => Task.Run(() => RunAgent(host))));
        clock.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bookkeeping: {hosts} claims, {hosts} heartbeats, {cards.Count} card results (each posted twice), {hosts} empty claims in {clock.Elapsed.TotalSeconds:F1} s"));

        foreach (var (kind, values) in timings.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {kind}: {values.Count} requests, mean {values.Average():F0} ms, max {values.Max():F0} ms"));
        }

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.Equal(hosts, claimedJobs.Distinct().Count());
        await using var check = app.CreateDbContext();
        var jobs = await check.BurnInJobs.AsNoTracking().ToListAsync();
        Assert.Equal(hosts, jobs.Count);
        Assert.All(jobs, j =>
        {
            Assert.Equal(BurnInJobState.Done, j.State);
            Assert.Equal(1, j.Attempts);
        });
        Assert.Equal(hosts, await check.BurnInReports.CountAsync());
        Assert.Equal(cards.Count, await check.BurnInRuns.CountAsync());
        Assert.Equal(cards.Count, await check.BurnInRuns.Select(r => r.GpuId).Distinct().CountAsync());
        Assert.Equal(cards.Count, await check.Gpus.CountAsync(g => g.Status == GpuStatus.Validated));
        Assert.Equal(BurnInCampaignState.Completed, (await check.BurnInCampaigns.AsNoTracking().SingleAsync()).State);
    }
}
