using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Security;
using Fleet.Web.Tests.Api;

namespace Fleet.Web.Tests.BurnIn;

/// <summary>One app over an empty (migrated) database per provider and test class (burn-in, one-off run, profile campaign); each test arranges its own datacenter.</summary>
public abstract class BurnInAppFixture(string provider) : SharedAppFixture(provider);

public sealed class SqliteBurnInAppFixture() : BurnInAppFixture(TestDatabase.Sqlite);

public sealed class PostgresBurnInAppFixture() : BurnInAppFixture(TestDatabase.Postgres);

/// <summary>The burn-in campaign API and the agent protocol over HTTP, on each provider.</summary>
public abstract class BurnInApiContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : BurnInAppFixture
{
    private FleetWebFactory App => fixture.App;

    private async Task<IReadOnlyList<TestCard>> HostsAsync(int hosts, int cards)
    {
        await using var db = App.CreateDbContext();
        return await BurnInFleet.AddHostsAsync(db, "w" + Guid.NewGuid().ToString("N")[..8], hosts, cards);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<int> CampaignAsync(IEnumerable<TestCard> cards)
    {
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "api", level = "quick", serials = cards.Select(c => c.Serial) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("id").GetInt32();
    }

    private static async Task<JsonElement> ClaimAsync(HttpClient agent, string host)
    {
        var response = await agent.PostAsJsonAsync("/api/agent/claim", new { host, agentId = host + "/1", devices = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task<int> RowsAsync()
    {
        await using var db = App.CreateDbContext();
        return await db.BurnInReports.CountAsync() + await db.BurnInRuns.CountAsync() + await db.RmaCases.CountAsync() + await db.GpuEnergyReadings.CountAsync();
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string contains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(contains, (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task Journey_CreateClaimHeartbeatPost_ProgressLifecycleAndRunsAsSpecified()
    {
        var cards = await HostsAsync(1, 2);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var created = await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "journey", level = "quick", serials = cards.Select(c => c.Serial) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var campaign = await JsonAsync(created);
        Assert.Equal(1, campaign.GetProperty("jobs").GetInt32());
        Assert.Equal(2, campaign.GetProperty("cards").GetInt32());
        var id = campaign.GetProperty("id").GetInt32();
        Assert.Equal($"/api/burnin/campaigns/{id}", created.Headers.Location?.ToString());

        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        var job = await ClaimAsync(agent, cards[0].Host);
        var jobId = job.GetProperty("jobId").GetInt64();
        Assert.Equal(id, job.GetProperty("campaignId").GetInt32());
        Assert.Equal("quick", job.GetProperty("level").GetString());
        Assert.Equal(120, job.GetProperty("leaseSeconds").GetInt32());
        Assert.Equal(cards.Select(c => (c.Serial, c.Uuid, c.Slot)),
            job.GetProperty("cards").EnumerateArray().Select(c => (c.GetProperty("serial").GetString()!, c.GetProperty("uuid").GetString()!, c.GetProperty("slot").GetInt32())));

        var beat = await agent.PostAsJsonAsync($"/api/agent/jobs/{jobId}/heartbeat", new { phase = "gemm", percent = 50 });
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        var progress = await JsonAsync(await tech.GetAsync($"/api/burnin/campaigns/{id}"));
        Assert.Equal(1, progress.GetProperty("summary").GetProperty("jobs").GetProperty("claimed").GetInt32());
        Assert.Equal(50, progress.GetProperty("jobList")[0].GetProperty("percent").GetDouble());

        var runId = Guid.NewGuid().ToString();
        var doc = BurnInFleet.Document(runId, cards[0].Host, [new(cards[0].Serial, cards[0].Uuid), new(cards[1].Serial, cards[1].Uuid, Fail: true)]);
        var posted = await agent.PostAsync($"/api/agent/jobs/{jobId}/results", Json(doc));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var runs = await JsonAsync(posted);
        Assert.Equal(runId, runs.GetProperty("runId").GetString());
        Assert.Equal(2, runs.GetProperty("runIds").GetArrayLength());

        var again = await agent.PostAsync($"/api/agent/jobs/{jobId}/results", Json(doc));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(runs.GetProperty("runIds").ToString(), (await JsonAsync(again)).GetProperty("runIds").ToString());

        var summary = (await JsonAsync(await tech.GetAsync($"/api/burnin/campaigns/{id}"))).GetProperty("summary");
        Assert.Equal("Completed", summary.GetProperty("state").GetString());
        Assert.Equal(1, summary.GetProperty("cards").GetProperty("passed").GetInt32());
        Assert.Equal(1, summary.GetProperty("cards").GetProperty("failed").GetInt32());
        var list = await JsonAsync(await tech.GetAsync("/api/burnin/campaigns"));
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("id").GetInt32() == id);

        var history = await JsonAsync(await tech.GetAsync($"/api/gpus/{cards[1].Serial}/burnin"));
        Assert.Equal("Fail", history[0].GetProperty("verdict").GetString());
        Assert.Equal("MEMORY_ERROR", history[0].GetProperty("findings")[0].GetProperty("code").GetString());
        await using var db = App.CreateDbContext();
        Assert.Equal(GpuStatus.Validated, (await BurnInFleet.GpuAsync(db, cards[0].Serial)).Status);
        Assert.Equal(GpuStatus.RmaPending, (await BurnInFleet.GpuAsync(db, cards[1].Serial)).Status);
    }

    [SkippableFact]
    public async Task Claim_NothingForHost_Is204()
    {
        var cards = await HostsAsync(1, 1);
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        var response = await agent.PostAsJsonAsync("/api/agent/claim", new { host = cards[0].Host, agentId = "a", devices = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [SkippableFact]
    public async Task Roles_AgentOnlyClaimsHeartbeatsAndPosts_OthersMayNotClaim()
    {
        var cards = await HostsAsync(1, 1);
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/gpus")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/burnin/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/rma")).StatusCode);
        using (var reader = await App.ClientForRoleAsync(Roles.Viewer))
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/gpus")).StatusCode);
        }

        var page = await agent.GetAsync("/gpus");
        Assert.NotEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.True(page.StatusCode is HttpStatusCode.Forbidden || page.Headers.Location?.ToString().Contains("denied", StringComparison.Ordinal) == true,
            $"an Agent token got {page.StatusCode} {page.Headers.Location} for a page");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("/api/burnin/campaigns",
            new { name = "x", level = "quick", serials = new[] { cards[0].Serial } })).StatusCode);
        foreach (var role in new[] { Roles.Viewer, Roles.Technician, Roles.Procurement, Roles.Finance })
        {
            using var other = await App.ClientForRoleAsync(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/agent/claim",
                new { host = cards[0].Host, agentId = "a", devices = Array.Empty<object>() })).StatusCode);
        }

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/burnin/campaigns",
            new { name = "x", level = "quick", serials = new[] { cards[0].Serial } })).StatusCode);
        using var admin = await App.AdminClientAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/agent/claim",
            new { host = cards[0].Host, agentId = "a", devices = Array.Empty<object>() })).StatusCode);
    }

    [SkippableFact]
    public async Task CreateCampaign_BadRequests_AreProblemDetailsNamingTheCause()
    {
        var cards = await HostsAsync(1, 1);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        await AssertProblemAsync(await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "x", level = "overnight", serials = new[] { cards[0].Serial } }),
            HttpStatusCode.BadRequest, "overnight");
        await AssertProblemAsync(await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "x", level = "quick", serials = new[] { "NO-SUCH" } }),
            HttpStatusCode.BadRequest, "NO-SUCH");
        await CampaignAsync(cards);
        await AssertProblemAsync(await tech.PostAsJsonAsync("/api/burnin/campaigns", new { name = "x", level = "quick", serials = new[] { cards[0].Serial } }),
            HttpStatusCode.UnprocessableEntity, cards[0].Serial);
    }

    [SkippableFact]
    public async Task Results_BadDocuments_RefusedWithProblemAndNothingWritten()
    {
        var cards = await HostsAsync(2, 1);
        await CampaignAsync(cards.Take(1));
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        var jobId = (await ClaimAsync(agent, cards[0].Host)).GetProperty("jobId").GetInt64();
        var path = $"/api/agent/jobs/{jobId}/results";
        var before = await RowsAsync();

        await AssertProblemAsync(await agent.PostAsync(path, Json("{ \"schema\": \"fleet.burnin/v1\", ")), HttpStatusCode.BadRequest, "not valid JSON");
        var v2 = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards.Take(1))).Replace("fleet.burnin/v1", "fleet.burnin/v2");
        await AssertProblemAsync(await agent.PostAsync(path, Json(v2)), HttpStatusCode.BadRequest, "fleet.burnin/v2");
        var otherHost = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards));
        await AssertProblemAsync(await agent.PostAsync(path, Json(otherHost)), HttpStatusCode.UnprocessableEntity, cards[1].Host);
        var huge = new ByteArrayContent(new byte[(16 << 20) + 1]);
        huge.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await AssertProblemAsync(await agent.PostAsync(path, huge), HttpStatusCode.RequestEntityTooLarge, "larger than");

        // Another agent's token does not hold the job.
        string token;
        using (var scope = App.Services.CreateScope())
        {
            token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync("agent-b", Roles.Agent);
        }

        using var stranger = App.CreateClient();
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var good = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards.Take(1)));
        await AssertProblemAsync(await stranger.PostAsync(path, Json(good)), HttpStatusCode.Conflict, "held by another agent");
        await AssertProblemAsync(await stranger.PostAsJsonAsync($"/api/agent/jobs/{jobId}/heartbeat", new { phase = "x", percent = 1 }),
            HttpStatusCode.Conflict, "held by another agent");
        await AssertProblemAsync(await agent.PostAsync("/api/agent/jobs/999999/results", Json(good)), HttpStatusCode.NotFound, "999999");
        Assert.Equal(before, await RowsAsync());

        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync(path, Json(good))).StatusCode);
        var late = BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, BurnInFleet.Seen(cards.Take(1)));
        var after = await RowsAsync();
        await AssertProblemAsync(await agent.PostAsync(path, Json(late)), HttpStatusCode.Conflict, "Done");
        Assert.Equal(after, await RowsAsync());
    }
}

public sealed class SqliteBurnInApiTests(SqliteBurnInAppFixture fixture) : BurnInApiContractTests<SqliteBurnInAppFixture>(fixture);

public sealed class PostgresBurnInApiTests(PostgresBurnInAppFixture fixture) : BurnInApiContractTests<PostgresBurnInAppFixture>(fixture);
