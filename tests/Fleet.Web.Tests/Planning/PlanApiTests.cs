using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Application.Planning;
using Fleet.Application.Procurement;
using Fleet.Data.Seeding;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Planning;
using Fleet.Planning;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;

namespace Fleet.Web.Tests.Planning;

/// <summary><c>/api/plans</c> on both providers: the queue, its results, cancel, bad scenarios, roles, the default fleet and the buy plan.</summary>
public abstract class PlanApiTests(string provider)
{
    private const string H100 = "H100 SXM5 80GB";

    /// <summary>A small two-datacenter scenario that simulates in well under a second.</summary>
    internal static string SmallScenario(double rate = 5, double duration = 60, int gpusPerDc = 2) => $$"""
        {
          "schema": "fleet.scenario/v1", "name": "api-small", "seed": 7, "durationSeconds": {{Inv(duration)}},
          "model": { "preset": "llama-3.1-8b", "dtype": "bf16" },
          "fleet": [ { "datacenter": "EAST", "gpuModel": "{{H100}}", "gpus": {{gpusPerDc}} }, { "datacenter": "WEST", "gpuModel": "{{H100}}", "gpus": {{gpusPerDc}} } ],
          "performance": { "source": "fixed", "prefillSecondsPerToken": 0.00002, "decodeStepSeconds": 0.02 },
          "workload": { "arrival": { "kind": "poisson", "ratePerSecond": {{Inv(rate)}} },
                        "promptTokens": { "kind": "uniform", "min": 100, "max": 300 }, "outputTokens": { "kind": "uniform", "min": 50, "max": 150 } },
          "scheduler": { "maxBatch": 16 },
          "slo": { "ttftSeconds": 2, "tpotSeconds": 0.1 }
        }
        """;

    private static string Inv(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<FleetWebFactory> StartAsync() => await new FleetWebFactory(provider).StartAsync();

    private static async Task<int> SubmitAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/api/plans", Body(body));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    private static async Task<JsonElement> PollAsync(HttpClient client, int id, Func<string, bool> until, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"/api/plans/{id}");
            var state = run.GetProperty("state").GetString()!;
            if (until(state) || DateTime.UtcNow > deadline)
            {
                return run;
            }

            await Task.Delay(100);
        }
    }

    [SkippableFact]
    public async Task Submit_Simulate_PollsToDoneWithTheResultTheCliPrints()
    {
        await using var app = await StartAsync();
        using var procurement = await app.ClientForRoleAsync(Roles.Procurement);
        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);

        var id = await SubmitAsync(procurement, SmallScenario());
        var run = await PollAsync(viewer, id, s => s is "done" or "failed" or "cancelled");
        var resultText = await viewer.GetStringAsync($"/api/plans/{id}/result");
        var scenarioText = await viewer.GetStringAsync($"/api/plans/{id}/scenario");

        Assert.Equal("done", run.GetProperty("state").GetString());
        Assert.Equal(1.0, run.GetProperty("progress").GetDouble());
        // What `fleet plan simulate --scenario FILE --json` does with the stored scenario: parse, simulate, the CLI's serializer.
        var cli = PlanJson.Serialize(new Simulator().Run(ScenarioParser.Parse(scenarioText)));
        Assert.Equal(cli, resultText);
        Assert.Equal("fleet.plan-simulation/v1", run.GetProperty("result").GetProperty("schema").GetString());
        Assert.Equal(JsonSerializer.Deserialize<JsonElement>(cli).GetProperty("completed").GetInt64(), run.GetProperty("result").GetProperty("completed").GetInt64());
    }

    [SkippableFact]
    public async Task Submit_BadScenario_Is422WithTheCliJsonPathsAndStoresNothing()
    {
        await using var app = await StartAsync();
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        var bad = SmallScenario(rate: 0).Replace("\"maxBatch\": 16", "\"maxBatch\": 16, \"turbo\": true", StringComparison.Ordinal);
        var cliErrors = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(bad)).Errors;

        using var bare = await finance.PostAsync("/api/plans", Body(bad));
        using var wrapped = await finance.PostAsync("/api/plans", Body($$"""{ "scenario": {{bad}}, "kind": "simulate" }"""));
        using var badKind = await finance.PostAsync("/api/plans", Body($$"""{ "scenario": {{SmallScenario()}}, "kind": "guess" }"""));
        using var file = await finance.PostAsync("/api/plans", Body(SmallScenario().Replace("\"source\": \"fixed\", \"prefillSecondsPerToken\": 0.00002, \"decodeStepSeconds\": 0.02", "\"source\": \"profile\", \"path\": \"/etc/passwd\"", StringComparison.Ordinal)));

        foreach (var response in new[] { bare, wrapped })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(cliErrors, errors);
        }

        Assert.Contains(cliErrors, e => e.StartsWith("$.workload.arrival.ratePerSecond:", StringComparison.Ordinal));
        Assert.Contains(cliErrors, e => e.StartsWith("$.scheduler.turbo:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badKind.StatusCode);
        Assert.Contains("$.kind:", await badKind.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, file.StatusCode);
        Assert.Contains("$.performance.path:", await file.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = app.CreateDbContext();
        Assert.Equal(0, await db.PlanRuns.CountAsync());
    }

    [SkippableFact]
    public async Task Roles_ViewerAndTechnicianMayNotRunOrCancel_ViewerReads()
    {
        await using var app = await StartAsync();
        using var admin = await app.ClientForRoleAsync(Roles.Admin);
        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);
        using var tech = await app.ClientForRoleAsync(Roles.Technician);
        using var agent = await app.ClientForRoleAsync(Roles.Agent);

        using var viewerPost = await viewer.PostAsync("/api/plans", Body(SmallScenario()));
        using var techPost = await tech.PostAsync("/api/plans", Body(SmallScenario()));
        var id = await SubmitAsync(admin, SmallScenario());
        using var viewerDelete = await viewer.DeleteAsync($"/api/plans/{id}");
        using var viewerList = await viewer.GetAsync("/api/plans");
        using var viewerGet = await viewer.GetAsync($"/api/plans/{id}");
        using var agentGet = await agent.GetAsync($"/api/plans/{id}");

        Assert.Equal(HttpStatusCode.Forbidden, viewerPost.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, techPost.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewerDelete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viewerList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viewerGet.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, agentGet.StatusCode);
        var listed = Assert.Single((await viewerList.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetInt32());
        await using var db = app.CreateDbContext();
        Assert.Equal(1, await db.PlanRuns.CountAsync());
    }

    [SkippableFact]
    public async Task Cancel_LongRun_EndsCancelledAndTheQueueMovesOn()
    {
        await using var app = await StartAsync();
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        // A capacity search with datacenter loss over a million requests: many full simulations, minutes of work on any machine.
        var id = await SubmitAsync(finance, $$"""{ "scenario": {{SmallScenario(rate: 10_000, duration: 100, gpusPerDc: 1000)}}, "kind": "capacity", "surviveDatacenterLoss": true }""");
        await PollAsync(finance, id, s => s != "queued", 60);

        using var cancel = await finance.DeleteAsync($"/api/plans/{id}");
        var next = await SubmitAsync(finance, SmallScenario());
        var nextRun = await PollAsync(finance, next, s => s is "done" or "failed" or "cancelled");
        var cancelled = await finance.GetFromJsonAsync<JsonElement>($"/api/plans/{id}");
        using var again = await finance.DeleteAsync($"/api/plans/{id}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, cancelled.TryGetProperty("result", out var r) ? r.ValueKind : JsonValueKind.Null);
        Assert.Equal("done", nextRun.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [SkippableFact]
    public async Task Recover_RunsLeftByAnEarlierProcess_FailNeverStayRunning()
    {
        await using var app = await StartAsync();
        var earlier = DateTime.UtcNow.AddHours(-1);
        await using (var db = app.CreateDbContext())
        {
            var running = new PlanRun { Kind = "simulate", ScenarioJson = SmallScenario(), CreatedBy = "test", CreatedAt = earlier };
            running.Start(earlier);
            db.PlanRuns.AddRange(running, new PlanRun { Kind = "simulate", ScenarioJson = SmallScenario(), CreatedBy = "test", CreatedAt = earlier });
            await db.SaveChangesAsync();
        }

        var recovered = await app.Services.GetRequiredService<PlanRunner>().RecoverAsync();

        Assert.Equal(2, recovered);
        await using var check = app.CreateDbContext();
        var states = await check.PlanRuns.Select(r => new { r.State, r.Error }).ToListAsync();
        Assert.All(states, s => Assert.Equal(PlanRunStates.Failed, s.State));
        Assert.All(states, s => Assert.Contains("restarted", s.Error, StringComparison.Ordinal));
    }

    /// <summary>EAST: 3 in-service H100 and 1 A100, plus cards not in service; WEST: 2 in-service H100; one in-service H100 unplaced.</summary>
    private static async Task ArrangeFleetAsync(FleetWebFactory app)
    {
        await using var db = app.CreateDbContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var east = new Datacenter { Code = "EAST", Name = "East", Pue = 1.2m, ElectricityPricePerKwh = 0.08m };
        var west = new Datacenter { Code = "WEST", Name = "West", Pue = 1.2m, ElectricityPricePerKwh = 0.08m };
        db.Datacenters.AddRange(east, west);
        await db.SaveChangesAsync();
        var n = 0;
        Gpu Card(GpuStatus status, string model, int? dc) => new(status) { Serial = $"PLAN-{n++:D3}", GpuModelId = models[model].Id, DatacenterId = dc };
        db.Gpus.AddRange(
            Card(GpuStatus.InService, H100, east.Id), Card(GpuStatus.InService, H100, east.Id), Card(GpuStatus.InService, H100, east.Id),
            Card(GpuStatus.InService, "A100 SXM4 80GB", east.Id), Card(GpuStatus.Received, H100, east.Id), Card(GpuStatus.Maintenance, H100, east.Id),
            Card(GpuStatus.InService, H100, west.Id), Card(GpuStatus.InService, H100, west.Id), Card(GpuStatus.Failed, H100, west.Id),
            Card(GpuStatus.InService, H100, null));
        await db.SaveChangesAsync();
    }

    [SkippableFact]
    public async Task BuildScenario_DefaultFleet_EqualsTheInServiceInventoryAndWarnsOfTheRoofline()
    {
        await using var app = await StartAsync();
        await ArrangeFleetAsync(app);
        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);

        var inventory = await viewer.GetFromJsonAsync<JsonElement>("/api/plans/inventory");
        using var built = await viewer.PostAsJsonAsync("/api/plans/build", new { modelPreset = "llama-3.1-8b", dtype = "bf16" });
        using var h100Only = await viewer.PostAsJsonAsync("/api/plans/build", new { modelPreset = "llama-3.1-8b", dtype = "bf16", gpuModel = H100 });

        var pools = inventory.EnumerateArray().Select(p => (p.GetProperty("datacenter").GetString(), p.GetProperty("gpuModel").GetString(), p.GetProperty("inService").GetInt32())).ToList();
        Assert.Equal([("EAST", "A100 SXM4 80GB", 1), ("EAST", H100, 3), ("WEST", H100, 2)], pools);
        Assert.Equal(HttpStatusCode.OK, built.StatusCode);
        var mixed = await built.Content.ReadFromJsonAsync<JsonElement>();
        var scenario = ScenarioParser.Parse(mixed.GetProperty("json").GetString()!);
        Assert.Equal([("EAST", "A100 SXM4 80GB", 1), ("EAST", H100, 3), ("WEST", H100, 2)],
            scenario.Fleet.Select(p => (p.Datacenter, p.GpuModel.Name, p.Gpus)).OrderBy(p => p.Datacenter).ThenBy(p => p.Name).ToList());
        Assert.IsType<RooflinePerformance>(scenario.Performance);
        Assert.Contains(mixed.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("roofline", StringComparison.Ordinal));
        var single = await h100Only.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("roofline", single.GetProperty("performance").GetProperty("source").GetString());
        Assert.Contains(single.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("no measured profile", StringComparison.Ordinal));
        Assert.Equal(1.2m, ScenarioParser.Parse(single.GetProperty("json").GetString()!).Cost.Pue);
    }

    [SkippableFact]
    public async Task BuildScenario_WithAStoredProfile_InlinesTheNewestAndTheJsonRunsUnchanged()
    {
        await using var app = await StartAsync();
        await ArrangeFleetAsync(app);
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        foreach (var decodeA in new[] { 0.009, 0.008 })
        {
            using var upload = await finance.PostAsync("/api/profiles", Body(Profile(decodeA)));
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
            await Task.Delay(20);
        }

        using var built = await finance.PostAsJsonAsync("/api/plans/build", new { modelPreset = "llama-3.1-8b", dtype = "bf16", gpuModel = H100, durationSeconds = 30, arrivalRatePerSecond = 2 });
        var body = await built.Content.ReadFromJsonAsync<JsonElement>();
        var json = body.GetProperty("json").GetString()!;
        var scenario = ScenarioParser.Parse(json);

        var profile = Assert.IsType<ProfilePerformance>(scenario.Performance).Profile;
        Assert.Equal(0.008, profile.Decode.A);
        Assert.Equal("profile", body.GetProperty("performance").GetProperty("source").GetString());
        Assert.DoesNotContain(body.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("performance", StringComparison.Ordinal));
        var id = await SubmitAsync(finance, json);
        var run = await PollAsync(finance, id, s => s is "done" or "failed" or "cancelled");
        Assert.Equal("done", run.GetProperty("state").GetString());
        Assert.Equal(PlanJson.Serialize(new Simulator().Run(scenario)), await finance.GetStringAsync($"/api/plans/{id}/result"));
    }

    private static string Profile(double decodeA) => $$"""
        {"schema":"fleet.inference-profile/v1","gpuModel":"{{H100}}","model":"llama-3.1-8b","dtype":"bf16","measuredAtUtc":"2026-11-01T10:00:00Z",
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":{{Inv(decodeA)}},"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
         "decodePoints":[{"batch":16,"context":1024,"seconds":0.04}]}
        """;

    [SkippableFact]
    public async Task UploadProfile_BadContent_Is422WithEveryPathAndStoresNothing()
    {
        await using var app = await StartAsync();
        using var tech = await app.ClientForRoleAsync(Roles.Technician);
        var bad = Profile(0.008).Replace("\"a\":0.008", "\"a\":\"fast\"", StringComparison.Ordinal)
            .Replace($"\"gpuModel\":\"{H100}\"", "\"gpuModel\":\"H900\"", StringComparison.Ordinal);

        using var response = await tech.PostAsync("/api/profiles", Body(bad));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("$.decode.a: must be a finite number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.gpuModel: unknown GPU model 'H900'", StringComparison.Ordinal));
        Assert.Equal(errors, Fleet.Domain.Contracts.Profiles.InferenceProfileValidator.Validate(bad));
        await using var db = app.CreateDbContext();
        Assert.Equal(0, await db.StoredProfiles.CountAsync());
    }

    [SkippableFact]
    public async Task BuyPlan_CapacityAnswer_BecomesDraftOrderLinesForTheGapAtTheQuotedPrice()
    {
        await using var app = await StartAsync();
        await ArrangeFleetAsync(app);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var vendors = scope.ServiceProvider.GetRequiredService<VendorService>();
            var quotes = scope.ServiceProvider.GetRequiredService<QuoteService>();
            var buyer = new Actor("buyer", Roles.Procurement);
            await vendors.SaveAsync(null, new VendorRequest("NVIDIA Partner", null, null), buyer);
            await quotes.CreateAsync(new CreateQuoteRequest("Q-OLD", "NVIDIA Partner", "USD", null, DateTime.UtcNow.AddDays(-30), null,
                [new OrderLineRequest(H100, 10, 31_000m)]), buyer);
            await quotes.CreateAsync(new CreateQuoteRequest("Q-NEW", "NVIDIA Partner", "USD", null, DateTime.UtcNow.AddDays(-1), null,
                [new OrderLineRequest(H100, 10, 27_500m)]), buyer);
        }

        using var procurement = await app.ClientForRoleAsync(Roles.Procurement);
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        var id = await SubmitAsync(procurement, $$"""{ "scenario": {{SmallScenario(rate: 40)}}, "kind": "capacity", "surviveDatacenterLoss": true, "savedScenario": "east-west" }""");
        var run = await PollAsync(procurement, id, s => s is "done" or "failed" or "cancelled", 300);
        Assert.True(run.GetProperty("state").GetString() == "done", run.ToString());
        var result = run.GetProperty("result");
        var gpus = result.GetProperty("gpus").GetInt32();
        Assert.True(result.GetProperty("probes").GetArrayLength() >= 2);
        Assert.True(gpus >= 6, $"the answer {gpus} should exceed the 5 H100 in service");
        var cost = run.GetProperty("cost");
        Assert.Equal(gpus, cost.GetProperty("gpus").GetInt32());
        Assert.Equal(gpus * result.GetProperty("cost").GetProperty("purchasePricePerGpu").GetDecimal(), cost.GetProperty("capex").GetDecimal());

        using var refused = await finance.PostAsJsonAsync($"/api/plans/{id}/buy-plan", new { vendor = "NVIDIA Partner" });
        using var created = await procurement.PostAsJsonAsync($"/api/plans/{id}/buy-plan", new { vendor = "NVIDIA Partner" });
        using var twice = await procurement.PostAsJsonAsync($"/api/plans/{id}/buy-plan", new { vendor = "NVIDIA Partner" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        await using var db = app.CreateDbContext();
        var orders = await db.PurchaseOrders.Include(o => o.Lines).ToListAsync();
        Assert.Equal(2, orders.Count);
        Assert.All(orders, o => Assert.Equal(Fleet.Domain.Procurement.PurchaseOrderStatus.Draft, o.Status));
        var lines = orders.SelectMany(o => o.Lines).ToList();
        Assert.All(lines, l => Assert.Equal(27_500m, l.UnitPrice));
        // The answer is bought less what is in service: 3 H100 in EAST and 2 in WEST (the A100 and cards not in service do not count).
        Assert.Equal(gpus - 5, lines.Sum(l => l.Quantity));
        Assert.Equal(orders.Count, await db.PlanRunOrders.CountAsync(o => o.PlanRunId == id));
        var saved = Assert.Single(await db.SavedScenarios.ToListAsync());
        Assert.Equal("east-west", saved.Name);
    }
}

public sealed class SqlitePlanApiTests() : PlanApiTests(TestDatabase.Sqlite);

public sealed class PostgresPlanApiTests() : PlanApiTests(TestDatabase.Postgres);
