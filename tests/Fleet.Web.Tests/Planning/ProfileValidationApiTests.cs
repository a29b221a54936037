using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Fleet.Web.Tests.Planning;

/// <summary><c>/api/profiles/validations</c>: `fleet plan validate --json` results stored by Agent/Admin tokens, read by every role.</summary>
public abstract class ProfileValidationApiTests(string provider)
{
    /// <summary>What `fleet plan validate --json` writes: predicted 10 % under measured on TTFT p50.</summary>
    internal const string ValidateJson = """
        {
          "predicted": { "ttft": { "p50": 0.027, "p90": 0.04, "p99": 0.06 }, "tpot": { "p50": 0.010, "p90": 0.011, "p99": 0.013 }, "e2e": { "p50": 0.2, "p90": 0.25, "p99": 0.3 }, "throughput": 95 },
          "measured": { "ttft": { "p50": 0.030, "p90": 0.04, "p99": 0.05 }, "tpot": { "p50": 0.010, "p90": 0.012, "p99": 0.013 }, "e2e": { "p50": 0.2, "p90": 0.25, "p99": 0.3 }, "throughput": 100 },
          "relativeError": { "ttft": { "p50": -0.1, "p90": 0, "p99": 0.2 }, "tpot": { "p50": 0, "p90": -0.0833, "p99": 0 }, "e2e": { "p50": 0, "p90": 0, "p99": 0 }, "throughput": -0.05 }
        }
        """;

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [SkippableFact]
    public async Task Upload_AgentStoresViewerReads_OthersRefused()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var agent = await app.ClientForRoleAsync(Roles.Agent);
        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);
        using var tech = await app.ClientForRoleAsync(Roles.Technician);

        using var refusedViewer = await viewer.PostAsync("/api/profiles/validations", Body(ValidateJson));
        using var refusedTech = await tech.PostAsync("/api/profiles/validations", Body(ValidateJson));
        using var created = await agent.PostAsync("/api/profiles/validations?label=stories-15m%20cpu%2060%25", Body(ValidateJson));
        using var list = await viewer.GetAsync("/api/profiles/validations");

        Assert.Equal(HttpStatusCode.Forbidden, refusedViewer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refusedTech.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var item = Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal("stories-15m cpu 60%", item.GetProperty("label").GetString());
        Assert.Equal(0.1, item.GetProperty("worstP50P90Error").GetDouble(), 9);
        Assert.Equal(0.030, item.GetProperty("report").GetProperty("measured").GetProperty("ttft").GetProperty("p50").GetDouble(), 9);
    }

    [SkippableFact]
    public async Task Upload_MissingMeasuredOrUnknownProfile_Is400NamingItAndStoresNothing()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var admin = await app.ClientForRoleAsync(Roles.Admin);
        var noMeasured = """{ "predicted": { "ttft": { "p50": 1, "p90": 1, "p99": 1 }, "tpot": { "p50": 1, "p90": 1, "p99": 1 }, "e2e": { "p50": 1, "p90": 1, "p99": 1 }, "throughput": 1 }, "relativeError": { "ttft": { "p50": 1, "p90": 1, "p99": 1 }, "tpot": { "p50": 1, "p90": 1, "p99": 1 }, "e2e": { "p50": 1, "p90": 1, "p99": 1 }, "throughput": 1 } }""";

        using var missing = await admin.PostAsync("/api/profiles/validations", Body(noMeasured));
        using var unknown = await admin.PostAsync("/api/profiles/validations?profileId=4242", Body(ValidateJson));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("measured is missing", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("No stored profile has id 4242", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = app.CreateDbContext();
        Assert.Equal(0, await db.ProfileValidations.CountAsync());
    }
}

public sealed class SqliteProfileValidationApiTests() : ProfileValidationApiTests(TestDatabase.Sqlite);

public sealed class PostgresProfileValidationApiTests() : ProfileValidationApiTests(TestDatabase.Postgres);
