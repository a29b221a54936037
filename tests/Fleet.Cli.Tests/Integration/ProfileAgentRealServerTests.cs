using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Cli.Tests.Agent;
using Fleet.Cli.Tests.Infer;
using Fleet.Domain;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Cli.Tests.Integration;

/// <summary>
/// A profile campaign run by the real `fleet agent` process on the CPU engine (standing in for the card) against the real web
/// app, per provider: the agent claims the profile job, runs `infer profile` for the tiny preset in-process, posts the profile
/// with its Agent token; the server stores it as measured on the card and the job is done.
/// </summary>
public abstract class ProfileAgentRealServerTests(string provider) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public async Task Agent_ProfileJobOnCpu_ProfileStoredWithTheCardsSerialAndJobDone()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await FleetKestrelServer.StartAsync(database);
        var cards = await AgentRealServerTests.ArrangeAsync(server, "prof", 1);
        await using (var db = server.CreateDbContext())
        {
            await BurnInFleet.ToBurnInAsync(db, cards);
        }

        using var technician = server.Client(await server.TokenAsync(Roles.Technician));
        using var created = await technician.PostAsJsonAsync("api/burnin/campaigns",
            new { name = "profile on cpu", kind = "profile", preset = "stories-15m", dtype = "f32", models = new[] { BurnInFleet.Model } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var campaign = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();

        using var agent = AgentProcess.Start(["agent", "--server", server.Url, "--token", await server.TokenAsync(Roles.Agent), "--host", cards[0].Host,
            "--spool", _temp.File("spool"), "--max-backoff", "1s", "--device", "cpu", "--stand-in", cards[0].Serial, "--once", "--json"]);
        Assert.True(await agent.WaitForExitAsync(300) == 0, agent.Stderr);

        await using var check = server.CreateDbContext();
        var job = await check.BurnInJobs.AsNoTracking().SingleAsync(j => j.CampaignId == campaign);
        Assert.Equal(BurnInJobState.Done, job.State);
        var stored = await check.StoredProfiles.AsNoTracking().SingleAsync(p => p.BurnInJobId == job.Id);
        Assert.Equal((cards[0].Serial, "cpu", "stories-15m", "f32"), (stored.GpuSerial, stored.GpuModel, stored.Model, stored.Dtype));
        Assert.Equal((await BurnInFleet.GpuAsync(check, cards[0].Serial)).Id, stored.GpuId);
        using var reader = server.Client(await server.TokenAsync(Roles.Viewer));
        using var listed = JsonDocument.Parse(await reader.GetStringAsync("api/profiles"));
        Assert.Contains(listed.RootElement.EnumerateArray(), p => p.GetProperty("id").GetInt32() == stored.Id && p.GetProperty("gpuSerial").GetString() == cards[0].Serial);
        using var report = JsonDocument.Parse(agent.Stdout);
        Assert.Equal("posted", report.RootElement.GetProperty("jobs")[0].GetProperty("outcome").GetString());
    }
}

public sealed class SqliteProfileAgentRealServerTests() : ProfileAgentRealServerTests(TestDatabase.Sqlite);

public sealed class PostgresProfileAgentRealServerTests() : ProfileAgentRealServerTests(TestDatabase.Postgres);
