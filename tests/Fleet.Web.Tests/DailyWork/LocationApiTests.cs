using System.Net;
using System.Text.Json;
using Fleet.Data.Seeding;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Tests.Api;

namespace Fleet.Web.Tests.DailyWork;

/// <summary>
/// A fleet counted by hand: LOC1 has rack R1 (hosts l-a, 8 slots, and l-b, 4 slots) and rack R2 (host l-c, 8 slots, empty).
/// l-a slot 0 holds L-1 (H100, 700 W), slot 1 L-2 (H100, 700 W); l-b slot 0 holds L-3 (L40S, 350 W); L-4 is unplaced.
/// Readings: L-1 10.5 kWh two days ago and 100 kWh forty days ago (outside the 30 days), L-3 4.5 kWh ten days ago.
/// </summary>
public abstract class LocationAppFixture(string provider) : SharedAppFixture(provider)
{
    protected override async Task ArrangeAsync(FleetWebFactory app)
    {
        await using var db = app.CreateDbContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var dc = new Datacenter { Code = "LOC1", Name = "Locations 1", PowerCapacityKw = 500 };
        var r1 = new Rack { Name = "R1", Datacenter = dc };
        var r2 = new Rack { Name = "R2", Datacenter = dc };
        var la = new Host { Hostname = "l-a", GpuSlots = 8, Rack = r1 };
        var lb = new Host { Hostname = "l-b", GpuSlots = 4, Rack = r1 };
        var lc = new Host { Hostname = "l-c", GpuSlots = 8, Rack = r2 };
        db.AddRange(dc, r1, r2, la, lb, lc);
        var now = DateTime.UtcNow;
        var h100 = models["H100 SXM5 80GB"].Id;
        var l40s = models["L40S 48GB"].Id;
        var cards = new[]
        {
            new Gpu(GpuStatus.InService) { Serial = "L-1", GpuModelId = h100, ReceivedAt = now.AddDays(-60) },
            new Gpu(GpuStatus.Validated) { Serial = "L-2", GpuModelId = h100, ReceivedAt = now.AddDays(-60) },
            new Gpu { Serial = "L-3", GpuModelId = l40s, ReceivedAt = now.AddDays(-60) },
            new Gpu { Serial = "L-4", GpuModelId = h100, ReceivedAt = now.AddDays(-60) },
        };
        db.Gpus.AddRange(cards);
        await db.SaveChangesAsync();
        cards[0].PlaceIn(la, dc.Id, 0, now.AddDays(-50));
        cards[1].PlaceIn(la, dc.Id, 1, now.AddDays(-50));
        cards[2].PlaceIn(lb, dc.Id, 0, now.AddDays(-50));
        db.GpuEnergyReadings.AddRange(
            new GpuEnergyReading { GpuId = cards[0].Id, PeriodStart = now.AddDays(-3), PeriodEnd = now.AddDays(-2), EnergyKwh = 10.5 },
            new GpuEnergyReading { GpuId = cards[0].Id, PeriodStart = now.AddDays(-41), PeriodEnd = now.AddDays(-40), EnergyKwh = 100 },
            new GpuEnergyReading { GpuId = cards[2].Id, PeriodStart = now.AddDays(-11), PeriodEnd = now.AddDays(-10), EnergyKwh = 4.5 });
        await db.SaveChangesAsync();
    }
}

public sealed class SqliteLocationAppFixture() : LocationAppFixture(TestDatabase.Sqlite);

public sealed class PostgresLocationAppFixture() : LocationAppFixture(TestDatabase.Postgres);

/// <summary>The datacenter → rack → host data behind the location pages, on each provider.</summary>
public abstract class LocationApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : LocationAppFixture
{
    private FleetWebFactory App => fixture.App;

    private async Task<JsonElement> GetAsync(string url)
    {
        using var viewer = await App.ClientForRoleAsync(Fleet.Domain.Roles.Viewer);
        var response = await viewer.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [SkippableFact]
    public async Task Datacenter_PerRack_CountsAndPowerAsCountedByHand()
    {
        var dc = await GetAsync("/api/locations/loc1");
        var racks = dc.GetProperty("racks").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("totals"));

        var r1 = racks["R1"];
        Assert.Equal(2, r1.GetProperty("hosts").GetInt32());
        Assert.Equal(12, r1.GetProperty("slots").GetInt32());
        Assert.Equal(3, r1.GetProperty("gpus").GetInt32());
        Assert.Equal(9, r1.GetProperty("freeSlots").GetInt32());
        Assert.Equal(1750, r1.GetProperty("tdpW").GetInt64());
        Assert.Equal(15.0, r1.GetProperty("energyKwh").GetDouble(), 6);

        var r2 = racks["R2"];
        Assert.Equal(1, r2.GetProperty("hosts").GetInt32());
        Assert.Equal(0, r2.GetProperty("gpus").GetInt32());
        Assert.Equal(8, r2.GetProperty("freeSlots").GetInt32());
        Assert.Equal(0, r2.GetProperty("tdpW").GetInt64());
        Assert.Equal(JsonValueKind.Null, r2.GetProperty("energyKwh").ValueKind);

        var totals = dc.GetProperty("totals");
        Assert.Equal(3, totals.GetProperty("gpus").GetInt32());
        Assert.Equal(20, totals.GetProperty("slots").GetInt32());
        Assert.Equal(1750, totals.GetProperty("tdpW").GetInt64());
    }

    [SkippableFact]
    public async Task Datacenters_ListTheDatacenterWithItsRackCount()
    {
        var list = await GetAsync("/api/locations");
        var loc = list.EnumerateArray().Single(d => d.GetProperty("code").GetString() == "LOC1");
        Assert.Equal(2, loc.GetProperty("racks").GetInt32());
        Assert.Equal(3, loc.GetProperty("totals").GetProperty("hosts").GetInt32());
        Assert.Equal(3, loc.GetProperty("totals").GetProperty("gpus").GetInt32());
    }

    [SkippableFact]
    public async Task Rack_ShowsEverySlotOfEveryHostWithEmptyOnes()
    {
        var rack = await GetAsync("/api/locations/LOC1/R1");
        var hosts = rack.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["l-a", "l-b"], hosts.Select(h => h.GetProperty("hostname").GetString()));
        var la = hosts[0].GetProperty("slots").EnumerateArray().ToList();
        Assert.Equal(8, la.Count);
        Assert.Equal("L-1", la[0].GetProperty("serial").GetString());
        Assert.Equal("L-2", la[1].GetProperty("serial").GetString());
        Assert.All(la.Skip(2), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("serial").ValueKind));
        Assert.Equal(1400, hosts[0].GetProperty("totals").GetProperty("tdpW").GetInt64());
        Assert.Equal(10.5, hosts[0].GetProperty("totals").GetProperty("energyKwh").GetDouble(), 6);
    }

    [SkippableFact]
    public async Task Host_UnknownName_Is404Problem()
    {
        using var viewer = await App.ClientForRoleAsync(Fleet.Domain.Roles.Viewer);
        var response = await viewer.GetAsync("/api/hosts/no-such-host");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no-such-host", await response.Content.ReadAsStringAsync());
    }
}

public sealed class SqliteLocationApiTests(SqliteLocationAppFixture fixture) : LocationApiTests<SqliteLocationAppFixture>(fixture);

public sealed class PostgresLocationApiTests(PostgresLocationAppFixture fixture) : LocationApiTests<PostgresLocationAppFixture>(fixture);
