using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Security;
using Fleet.Web.Tests.Api;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fleet.Web.Tests.BurnIn;

/// <summary>
/// Profile campaigns over HTTP, per provider: one job per chosen GPU model, claimed only by agents that say they run profiles,
/// the profile stored as measured on the job's card, a bad profile failing the job with the validator's words.
/// Each test uses GPU models no other test of the class uses, so the shared database's cards do not mix.
/// </summary>
public abstract class ProfileCampaignApiContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : BurnInAppFixture
{
    private FleetWebFactory App => fixture.App;

    /// <summary><paramref name="hosts"/> hosts of <paramref name="cards"/> cards of <paramref name="model"/> each, moved to BurnIn.</summary>
    private async Task<IReadOnlyList<TestCard>> BurnInCardsAsync(string model, int hosts, int cards)
    {
        await using var db = App.CreateDbContext();
        var arranged = await BurnInFleet.AddHostsAsync(db, "p" + Guid.NewGuid().ToString("N")[..8], hosts, cards, model);
        await BurnInFleet.ToBurnInAsync(db, arranged, "arranged for a profile campaign");
        return arranged;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<HttpResponseMessage> CreateAsync(object body)
    {
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        return await tech.PostAsJsonAsync("/api/burnin/campaigns", body);
    }

    private async Task<JsonElement> CreatedAsync(string preset, params string[] models)
    {
        var response = await CreateAsync(new { name = "profiles", kind = "profile", preset, dtype = "bf16", models });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await JsonAsync(response);
    }

    private static Task<HttpResponseMessage> ClaimAsync(HttpClient agent, string host, params string[] capabilities) =>
        agent.PostAsJsonAsync("/api/agent/claim", new { host, agentId = host + "/1", devices = Array.Empty<object>(), capabilities });

    private async Task<HttpClient> OtherAgentAsync()
    {
        using var scope = App.Services.CreateScope();
        var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync("other-agent-" + Guid.NewGuid().ToString("N")[..6], Roles.Agent);
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Profile(string gpuModel, string model = "stories-15m", string dtype = "bf16") => new($$"""
        {"schema":"fleet.inference-profile/v1","gpuModel":"{{gpuModel}}","model":"{{model}}","dtype":"{{dtype}}",
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":30000000,"kvBytesPerToken":4608,"maxBatch":[]},
         "decodePoints":[{"batch":1,"context":16,"seconds":0.002}]}
        """, Encoding.UTF8, "application/json");

    [SkippableFact]
    public async Task CreateProfileCampaign_TwoModels_OneJobPerModelOnTheFirstHostsFirstSlot()
    {
        var a100 = await BurnInCardsAsync("A100 SXM4 80GB", 2, 2);
        var l40s = await BurnInCardsAsync("L40S 48GB", 2, 3);

        var created = await CreatedAsync("stories-15m", "A100 SXM4 80GB", "l40s 48gb");

        Assert.Equal(2, created.GetProperty("jobs").GetInt32());
        Assert.Equal(2, created.GetProperty("cards").GetInt32());
        // Deterministic: no agent has claimed on these hosts yet, so the first host by name and its lowest slot.
        var picked = created.GetProperty("profileCards").EnumerateArray()
            .ToDictionary(p => p.GetProperty("gpuModel").GetString()!, p => p.GetProperty("serial").GetString()!);
        Assert.Equal(a100.OrderBy(c => c.Host, StringComparer.Ordinal).ThenBy(c => c.Slot).First().Serial, picked["A100 SXM4 80GB"]);
        Assert.Equal(l40s.OrderBy(c => c.Host, StringComparer.Ordinal).ThenBy(c => c.Slot).First().Serial, picked["L40S 48GB"]);

        await using var db = App.CreateDbContext();
        var id = created.GetProperty("id").GetInt32();
        var campaign = await db.BurnInCampaigns.AsNoTracking().Include(c => c.Jobs).ThenInclude(j => j.Cards).SingleAsync(c => c.Id == id);
        Assert.Equal(BurnInCampaignKind.Profile, campaign.Kind);
        Assert.Equal(("stories-15m", "bf16"), (campaign.Preset, campaign.Dtype));
        Assert.All(campaign.Jobs, j => Assert.Equal((BurnInCampaignKind.Profile, 1), (j.Kind, j.Cards.Count)));
        // A profile does not move a card through its lifecycle.
        Assert.Equal(GpuStatus.BurnIn, (await BurnInFleet.GpuAsync(db, picked["L40S 48GB"])).Status);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var detail = await JsonAsync(await tech.GetAsync($"/api/burnin/campaigns/{id}"));
        Assert.Equal("Profile", detail.GetProperty("summary").GetProperty("kind").GetString());
        Assert.Equal(picked.Values.Order(), detail.GetProperty("jobList").EnumerateArray().Select(j => j.GetProperty("serial").GetString()!).Order());
    }

    [SkippableFact]
    public async Task CreateProfileCampaign_UnknownPresetOrNoModel_Is422AndNothingWritten()
    {
        await BurnInCardsAsync("A100 PCIe 80GB", 1, 1);
        await using var before = App.CreateDbContext();
        var campaigns = await before.BurnInCampaigns.CountAsync();

        var unknown = await CreateAsync(new { name = "p", kind = "profile", preset = "gpt-9", models = new[] { "A100 PCIe 80GB" } });
        var none = await CreateAsync(new { name = "p", kind = "profile", preset = "stories-15m", models = Array.Empty<string>() });
        var missing = await CreateAsync(new { name = "p", kind = "profile", preset = "stories-15m" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("Unknown model preset 'gpt-9'", (await JsonAsync(unknown)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, none.StatusCode);
        Assert.Contains("at least one GPU model", (await JsonAsync(none)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        await using var after = App.CreateDbContext();
        Assert.Equal(campaigns, await after.BurnInCampaigns.CountAsync());
    }

    [SkippableFact]
    public async Task Claim_BurnInOnlyAgentGetsNothing_ProfileAgentGetsPresetAndCard_ProfileStoredOnTheCard()
    {
        var cards = await BurnInCardsAsync("H100 PCIe 80GB", 1, 2);
        var id = (await CreatedAsync("stories-15m", "H100 PCIe 80GB")).GetProperty("id").GetInt32();
        using var agent = await App.ClientForRoleAsync(Roles.Agent);

        var old = await agent.PostAsJsonAsync("/api/agent/claim", new { host = cards[0].Host, agentId = "old/1", devices = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.NoContent, old.StatusCode);
        var burnInOnly = await ClaimAsync(agent, cards[0].Host, "burnin");
        Assert.Equal(HttpStatusCode.NoContent, burnInOnly.StatusCode);

        var claimed = await ClaimAsync(agent, cards[0].Host, "profile");
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var job = await JsonAsync(claimed);
        Assert.Equal(2, job.GetProperty("protocol").GetInt32());
        Assert.Equal("profile", job.GetProperty("kind").GetString());
        Assert.Equal(("stories-15m", "bf16"), (job.GetProperty("preset").GetString(), job.GetProperty("dtype").GetString()));
        Assert.Equal(cards[0].Serial, Assert.Single(job.GetProperty("cards").EnumerateArray()).GetProperty("serial").GetString());
        var jobId = job.GetProperty("jobId").GetInt64();

        // A burn-in document is not a profile job's result.
        var wrong = await agent.PostAsync($"/api/agent/jobs/{jobId}/results",
            new StringContent(BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, [new(cards[0].Serial, cards[0].Uuid)]), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);

        var posted = await agent.PostAsync($"/api/agent/jobs/{jobId}/profile", Profile("H100 PCIe 80GB"));
        Assert.True(posted.StatusCode == HttpStatusCode.OK, await posted.Content.ReadAsStringAsync());
        var profileId = (await JsonAsync(posted)).GetProperty("profileId").GetInt32();
        var again = await agent.PostAsync($"/api/agent/jobs/{jobId}/profile", Profile("H100 PCIe 80GB"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await JsonAsync(again)).GetProperty("replayed").GetBoolean());

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var listed = (await JsonAsync(await viewer.GetAsync("/api/profiles"))).EnumerateArray().Single(p => p.GetProperty("id").GetInt32() == profileId);
        Assert.Equal(cards[0].Serial, listed.GetProperty("gpuSerial").GetString());
        Assert.Equal(("H100 PCIe 80GB", "stories-15m"), (listed.GetProperty("gpuModel").GetString(), listed.GetProperty("model").GetString()));
        var detail = await JsonAsync(await viewer.GetAsync($"/api/burnin/campaigns/{id}"));
        Assert.Equal("Completed", detail.GetProperty("summary").GetProperty("state").GetString());
        var row = Assert.Single(detail.GetProperty("jobList").EnumerateArray());
        Assert.Equal(("Done", profileId), (row.GetProperty("state").GetString(), row.GetProperty("profileId").GetInt32()));
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.StoredProfiles.CountAsync(p => p.BurnInJobId == jobId));
    }

    [SkippableFact]
    public async Task PostProfile_InvalidDocument_422WithValidatorErrorJobFailedNothingStored()
    {
        var cards = await BurnInCardsAsync("H200 SXM 141GB", 1, 1);
        await CreatedAsync("stories-15m", "H200 SXM 141GB");
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        var jobId = (await JsonAsync(await ClaimAsync(agent, cards[0].Host, "profile"))).GetProperty("jobId").GetInt64();
        await using var before = App.CreateDbContext();
        var stored = await before.StoredProfiles.CountAsync();

        var posted = await agent.PostAsync($"/api/agent/jobs/{jobId}/profile",
            new StringContent("""{"schema":"fleet.inference-profile/v1","gpuModel":"H200 SXM 141GB","model":"stories-15m"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, posted.StatusCode);
        var detail = (await JsonAsync(posted)).GetProperty("detail").GetString()!;
        Assert.Contains("fleet.inference-profile/v1", detail);
        Assert.Contains("$.dtype", detail);
        await using var after = App.CreateDbContext();
        Assert.Equal(stored, await after.StoredProfiles.CountAsync());
        var job = await after.BurnInJobs.AsNoTracking().SingleAsync(j => j.Id == jobId);
        Assert.Equal(BurnInJobState.Failed, job.State);
        Assert.Contains("$.dtype", job.FailureReason);
    }

    [SkippableFact]
    public async Task PostProfile_JobNotHeldByThisAgent_409AndNothingStored()
    {
        var cards = await BurnInCardsAsync("B200 180GB", 1, 1);
        await CreatedAsync("stories-15m", "B200 180GB");
        using var holder = await App.ClientForRoleAsync(Roles.Agent);
        using var other = await OtherAgentAsync();
        var jobId = (await JsonAsync(await ClaimAsync(holder, cards[0].Host, "profile"))).GetProperty("jobId").GetInt64();

        var byOther = await other.PostAsync($"/api/agent/jobs/{jobId}/profile", Profile("B200 180GB"));
        using var wrongAgentId = new HttpRequestMessage(HttpMethod.Post, $"/api/agent/jobs/{jobId}/profile") { Content = Profile("B200 180GB") };
        wrongAgentId.Headers.Add("Fleet-Agent-Id", "someone-else/9");
        var byWrongId = await holder.SendAsync(wrongAgentId);
        var asUpload = await other.PostAsync("/api/profiles", Profile("B200 180GB"));

        Assert.Equal(HttpStatusCode.Conflict, byOther.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, byWrongId.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asUpload.StatusCode);
        await using var db = App.CreateDbContext();
        Assert.Equal(0, await db.StoredProfiles.CountAsync(p => p.BurnInJobId == jobId || p.GpuModel == "B200 180GB"));
        Assert.Equal(BurnInJobState.Claimed, (await db.BurnInJobs.AsNoTracking().SingleAsync(j => j.Id == jobId)).State);
    }
}

public sealed class SqliteProfileCampaignApiTests(SqliteBurnInAppFixture fixture) : ProfileCampaignApiContractTests<SqliteBurnInAppFixture>(fixture);

public sealed class PostgresProfileCampaignApiTests(PostgresBurnInAppFixture fixture) : ProfileCampaignApiContractTests<PostgresBurnInAppFixture>(fixture);
