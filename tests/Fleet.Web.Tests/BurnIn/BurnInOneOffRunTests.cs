using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Domain.Lifecycle;

namespace Fleet.Web.Tests.BurnIn;

/// <summary><c>POST /api/burnin/runs</c>: the one-off run `fleet gpu burnin --report` posts, on each provider.</summary>
public abstract class BurnInOneOffRunContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : BurnInAppFixture
{
    private const string Path = "/api/burnin/runs";

    private FleetWebFactory App => fixture.App;

    private async Task<IReadOnlyList<TestCard>> HostAsync(int cards)
    {
        await using var db = App.CreateDbContext();
        return await BurnInFleet.AddHostsAsync(db, "o" + Guid.NewGuid().ToString("N")[..8], 1, cards);
    }

    private async Task ToBurnInAsync(params TestCard[] cards)
    {
        await using var db = App.CreateDbContext();
        await BurnInFleet.ToBurnInAsync(db, cards, "arranged for a one-off run");
    }

    private async Task<int> RowsAsync()
    {
        await using var db = App.CreateDbContext();
        return await db.BurnInReports.CountAsync() + await db.BurnInRuns.CountAsync() + await db.RmaCases.CountAsync() + await db.GpuEnergyReadings.CountAsync();
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [SkippableFact]
    public async Task PostRun_CardsMatchedByUuidThenSerial_StoresRunsKeepsStandInAndMovesOnlyBurnInCards()
    {
        var cards = await HostAsync(3);
        await ToBurnInAsync(cards[0]);
        var runId = "oneoff-" + Guid.NewGuid().ToString("N");
        var doc = BurnInFleet.Document(runId, cards[0].Host, [
            new BurnInFleet.DeviceOutcome(null, cards[0].Uuid), // by UUID
            new BurnInFleet.DeviceOutcome(cards[1].Serial, null, StandIn: true), // by serial, on a CPU stand-in
            new BurnInFleet.DeviceOutcome("NO-SUCH-CARD", "GPU-unknown"),
        ]);
        using var agent = await App.ClientForRoleAsync(Roles.Agent);

        var response = await agent.PostAsync(Path, Json(doc));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.False(body.GetProperty("replayed").GetBoolean());
        Assert.Equal(2, body.GetProperty("runIds").GetArrayLength());
        Assert.Contains("NO-SUCH-CARD", Assert.Single(body.GetProperty("unmatched").EnumerateArray()).GetString(), StringComparison.Ordinal);
        await using var db = App.CreateDbContext();
        var runs = await db.BurnInRuns.AsNoTracking().Where(r => r.RunId == runId).Join(db.Gpus, r => r.GpuId, g => g.Id, (r, g) => new { g.Serial, r.StandIn, r.JobId, r.CampaignId })
            .ToListAsync();
        Assert.Equal([cards[0].Serial, cards[1].Serial], runs.Select(r => r.Serial).Order());
        Assert.All(runs, r => Assert.True(r.JobId is null && r.CampaignId is null));
        Assert.False(runs.Single(r => r.Serial == cards[0].Serial).StandIn);
        Assert.True(runs.Single(r => r.Serial == cards[1].Serial).StandIn);
        Assert.Equal(GpuStatus.Validated, (await BurnInFleet.GpuAsync(db, cards[0].Serial)).Status); // was in BurnIn
        Assert.Equal(GpuStatus.Received, (await BurnInFleet.GpuAsync(db, cards[1].Serial)).Status); // not in BurnIn: the run only
        Assert.Equal(GpuStatus.Received, (await BurnInFleet.GpuAsync(db, cards[2].Serial)).Status);
        using var reader = await App.ClientForRoleAsync(Roles.Technician);
        var shown = JsonDocument.Parse(await reader.GetStringAsync($"/api/gpus/{cards[1].Serial}/burnin")).RootElement;
        Assert.True(Assert.Single(shown.EnumerateArray()).GetProperty("standIn").GetBoolean());
    }

    [SkippableFact]
    public async Task PostRun_FailingCardInBurnIn_FailsItAndOpensAnRmaCaseWithTheEvidence()
    {
        var cards = await HostAsync(1);
        await ToBurnInAsync(cards[0]);
        var runId = "oneoff-" + Guid.NewGuid().ToString("N");
        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsync(Path, Json(BurnInFleet.Document(runId, cards[0].Host, [new BurnInFleet.DeviceOutcome(cards[0].Serial, cards[0].Uuid, Fail: true)])));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = App.CreateDbContext();
        var gpu = await BurnInFleet.GpuAsync(db, cards[0].Serial);
        Assert.Equal(GpuStatus.RmaPending, gpu.Status);
        var rma = await db.RmaCases.AsNoTracking().SingleAsync(c => c.GpuId == gpu.Id);
        Assert.Contains("MEMORY_ERROR", rma.Evidence, StringComparison.Ordinal);
        Assert.Contains(runId, rma.Evidence, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PostRun_SameRunIdAgain_SameRunsOrConflictAndNothingWritten()
    {
        var cards = await HostAsync(1);
        var runId = "oneoff-" + Guid.NewGuid().ToString("N");
        var started = DateTimeOffset.UtcNow;
        var doc = BurnInFleet.Document(runId, cards[0].Host, BurnInFleet.Seen(cards), started);
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        var first = await JsonAsync(await agent.PostAsync(Path, Json(doc)));
        var rows = await RowsAsync();

        var again = await agent.PostAsync(Path, Json(doc));
        var changed = await agent.PostAsync(Path, Json(BurnInFleet.Document(runId, cards[0].Host, [new BurnInFleet.DeviceOutcome(cards[0].Serial, cards[0].Uuid, Bf16Tflops: 1)], started)));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var replay = await JsonAsync(again);
        Assert.True(replay.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("runIds").ToString(), replay.GetProperty("runIds").ToString());
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(rows, await RowsAsync());
    }

    [SkippableFact]
    public async Task PostRun_NoDeviceMatchesOrReaderRole_RefusedAndNothingWritten()
    {
        var cards = await HostAsync(1);
        var rows = await RowsAsync();
        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        using var finance = await App.ClientForRoleAsync(Roles.Finance);

        var unknown = await agent.PostAsync(Path, Json(BurnInFleet.Document("oneoff-" + Guid.NewGuid().ToString("N"), cards[0].Host,
            [new BurnInFleet.DeviceOutcome("NO-SUCH-CARD", null)])));
        var reader = await finance.PostAsync(Path, Json(BurnInFleet.Document("oneoff-" + Guid.NewGuid().ToString("N"), cards[0].Host, BurnInFleet.Seen(cards))));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("NO-SUCH-CARD", (await JsonAsync(unknown)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal(rows, await RowsAsync());
        await using var db = App.CreateDbContext();
        Assert.Equal(GpuStatus.Received, (await BurnInFleet.GpuAsync(db, cards[0].Serial)).Status);
    }
}

public sealed class SqliteBurnInOneOffRunTests(SqliteBurnInAppFixture fixture) : BurnInOneOffRunContractTests<SqliteBurnInAppFixture>(fixture);

public sealed class PostgresBurnInOneOffRunTests(PostgresBurnInAppFixture fixture) : BurnInOneOffRunContractTests<PostgresBurnInAppFixture>(fixture);
