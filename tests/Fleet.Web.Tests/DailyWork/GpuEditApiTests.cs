using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Data.Seeding;
using Fleet.Domain.Audit;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;
using Fleet.Web.Tests.Api;

namespace Fleet.Web.Tests.DailyWork;

/// <summary>A small fleet for edits: host e-1 (4 slots) whose slot 0 holds E-HOLD, and unplaced cards E-1…E-9 received 2026-01-10.</summary>
public abstract class EditAppFixture(string provider) : SharedAppFixture(provider)
{
    public static readonly DateTime Received = new(2026, 1, 10, 0, 0, 0, DateTimeKind.Utc);

    protected override async Task ArrangeAsync(FleetWebFactory app)
    {
        await using var db = app.CreateDbContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var dc = new Datacenter { Code = "ED1", Name = "Edit 1" };
        var rack = new Rack { Name = "E1", Datacenter = dc };
        var host = new Host { Hostname = "e-1", GpuSlots = 4, Rack = rack };
        db.AddRange(dc, rack, host);
        db.Vendors.Add(new Vendor { Name = "Old Vendor" });
        var h100 = models["H100 SXM5 80GB"].Id;
        var cards = new[] { "E-HOLD" }.Concat(Enumerable.Range(1, 9).Select(i => $"E-{i}"))
            .Select(s => new Gpu { Serial = s, GpuModelId = h100, ReceivedAt = Received }).ToList();
        cards[^1].Uuid = "GPU-taken-by-e9";
        db.Gpus.AddRange(cards);
        await db.SaveChangesAsync();
        cards[0].PlaceIn(host, dc.Id, 0, Received);
        await db.SaveChangesAsync();
    }
}

public sealed class SqliteEditAppFixture() : EditAppFixture(TestDatabase.Sqlite);

public sealed class PostgresEditAppFixture() : EditAppFixture(TestDatabase.Postgres);

/// <summary><c>PATCH /api/gpus/{serial}</c> and vendor deactivation, on each provider.</summary>
public abstract class GpuEditApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : EditAppFixture
{
    private FleetWebFactory App => fixture.App;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<Gpu> CardAsync(string serial)
    {
        await using var db = App.CreateDbContext();
        return await db.Gpus.AsNoTracking().SingleAsync(g => g.Serial == serial);
    }

    private async Task<int> AuditCountAsync(string serial)
    {
        await using var db = App.CreateDbContext();
        return await db.AuditEntries.CountAsync(a => a.EntityType == "Gpu" && a.EntityKey == serial);
    }

    [SkippableFact]
    public async Task PatchGpu_Technician_SetsFieldsAndAuditsOnceWithBeforeAndAfter()
    {
        var version = (await CardAsync("E-1")).Version;
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PatchAsJsonAsync("/api/gpus/E-1", new
        {
            assetTag = "AT-0001", uuid = "GPU-1111", boardPartNumber = "699-2G520", vbios = "96.00.61.00.01", notes = "label reprinted",
            warrantyEndsAt = "2029-01-31", expectedVersion = version,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var card = await CardAsync("E-1");
        Assert.Equal("AT-0001", card.AssetTag);
        Assert.Equal("GPU-1111", card.Uuid);
        Assert.Equal("699-2G520", card.BoardPartNumber);
        Assert.Equal("96.00.61.00.01", card.Vbios);
        Assert.Equal("label reprinted", card.Notes);
        Assert.Equal(new DateTime(2029, 1, 31, 0, 0, 0, DateTimeKind.Utc), card.WarrantyEndsAt);
        Assert.True(card.Version > version);

        await using var db = App.CreateDbContext();
        var entry = await db.AuditEntries.SingleAsync(a => a.EntityType == "Gpu" && a.EntityKey == "E-1");
        Assert.Equal(AuditActions.Update, entry.Action);
        Assert.Equal("token:test-Technician", entry.Actor);
        Assert.Contains("\"serial\":\"E-1\"", entry.BeforeJson);
        Assert.DoesNotContain("AT-0001", entry.BeforeJson);
        Assert.Contains("\"assetTag\":\"AT-0001\"", entry.AfterJson);
        Assert.Contains("\"notes\":\"label reprinted\"", entry.AfterJson);
    }

    [SkippableFact]
    public async Task PatchGpu_AssetTagLongerThanTheLimit_Is422NamingTheFieldAndWritesNothing()
    {
        var before = await CardAsync("E-2");
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PatchAsJsonAsync("/api/gpus/E-2", new { assetTag = new string('A', 65), notes = "ok", expectedVersion = before.Version });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("assetTag", problem.GetProperty("field").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("assetTag", error.GetProperty("field").GetString());
        Assert.Contains("65", error.GetProperty("message").GetString());
        var after = await CardAsync("E-2");
        Assert.Equal(before.Version, after.Version);
        Assert.Null(after.Notes);
        Assert.Equal(0, await AuditCountAsync("E-2"));
    }

    [SkippableTheory]
    [InlineData("warrantyEndsAt", "2025-12-31")]
    [InlineData("warrantyEndsAt", "2027-02-30")]
    [InlineData("notes", "bell\u0007")]
    public async Task PatchGpu_FieldBreaksTheImportRule_Is422NamingIt(string field, string value)
    {
        var before = await CardAsync("E-3");
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var body = new Dictionary<string, object> { [field] = value, ["expectedVersion"] = before.Version };
        var response = await tech.PatchAsJsonAsync("/api/gpus/E-3", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(field, (await JsonAsync(response)).GetProperty("field").GetString());
        Assert.Equal(before.Version, (await CardAsync("E-3")).Version);
    }

    [SkippableFact]
    public async Task PatchGpu_UuidOfAnotherCard_Is422NamingTheOwner()
    {
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PatchAsJsonAsync("/api/gpus/E-3", new { uuid = "GPU-taken-by-e9", expectedVersion = (await CardAsync("E-3")).Version });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("uuid", problem.GetProperty("field").GetString());
        Assert.Contains("E-9", problem.GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task PatchGpu_StaleVersion_Is409AndWritesNothing()
    {
        var before = await CardAsync("E-4");
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PatchAsJsonAsync("/api/gpus/E-4", new { assetTag = "AT-stale", expectedVersion = before.Version + 5 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("changed by someone else", (await JsonAsync(response)).GetProperty("detail").GetString());
        Assert.Null((await CardAsync("E-4")).AssetTag);
    }

    [SkippableTheory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Finance)]
    public async Task PatchGpu_RoleThatMayNotEdit_Is403AndWritesNothing(string role)
    {
        var before = await CardAsync("E-5");
        using var client = await App.ClientForRoleAsync(role);
        var response = await client.PatchAsJsonAsync("/api/gpus/E-5", new { assetTag = "AT-" + role, expectedVersion = before.Version });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null((await CardAsync("E-5")).AssetTag);
    }

    [SkippableFact]
    public async Task PatchGpu_SlotHeldByAnotherCard_Is422NamingTheHolder()
    {
        using var procurement = await App.ClientForRoleAsync(Roles.Procurement);
        var response = await procurement.PatchAsJsonAsync("/api/gpus/E-6", new { host = "e-1", slot = 0, expectedVersion = (await CardAsync("E-6")).Version });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("slot", problem.GetProperty("field").GetString());
        Assert.Contains("E-HOLD", problem.GetProperty("detail").GetString());
        Assert.Null((await CardAsync("E-6")).HostId);
    }

    [SkippableFact]
    public async Task PatchGpu_FreeSlot_PlacesTheCardAndTheHostShowsItAndItsHistory()
    {
        using var procurement = await App.ClientForRoleAsync(Roles.Procurement);
        var response = await procurement.PatchAsJsonAsync("/api/gpus/E-7", new { host = "e-1", slot = 3, expectedVersion = (await CardAsync("E-7")).Version });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var host = await JsonAsync(await procurement.GetAsync("/api/hosts/e-1"));
        var slots = host.GetProperty("host").GetProperty("slots").EnumerateArray().ToList();
        Assert.Equal(4, slots.Count);
        Assert.Equal("E-7", slots[3].GetProperty("serial").GetString());
        Assert.Equal(JsonValueKind.Null, slots[2].GetProperty("serial").ValueKind);
        Assert.Contains(host.GetProperty("history").EnumerateArray(), p => p.GetProperty("serial").GetString() == "E-7" && p.GetProperty("slot").GetInt32() == 3);
    }

    [SkippableFact]
    public async Task DeactivatedVendor_NewOrderAndQuote_AreRefusedUntilReactivated()
    {
        await using (var db = App.CreateDbContext())
        {
            Assert.True(await db.Vendors.AnyAsync(v => v.Name == "Old Vendor"));
        }

        using var buyer = await App.ClientForRoleAsync(Roles.Procurement);
        int id;
        long version;
        await using (var db = App.CreateDbContext())
        {
            var v = await db.Vendors.AsNoTracking().SingleAsync(x => x.Name == "Old Vendor");
            (id, version) = (v.Id, v.Version);
        }

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/vendors/{id}/deactivate", new { expectedVersion = version })).StatusCode);

        var deactivated = await buyer.PostAsJsonAsync($"/api/vendors/{id}/deactivate", new { expectedVersion = version });
        Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        Assert.False((await JsonAsync(deactivated)).GetProperty("isActive").GetBoolean());

        var lines = new[] { new { model = "H100 SXM5 80GB", quantity = 1, unitPrice = 30000, warrantyMonths = 36 } };
        var order = await buyer.PostAsJsonAsync("/api/orders", new { number = "PO-OLD-1", vendor = "Old Vendor", currency = "USD", lines });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, order.StatusCode);
        Assert.Contains("deactivated", (await JsonAsync(order)).GetProperty("detail").GetString());
        var quote = await buyer.PostAsJsonAsync("/api/quotes", new { reference = "Q-OLD-1", vendor = "Old Vendor", currency = "USD", lines });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, quote.StatusCode);
        await using (var db = App.CreateDbContext())
        {
            Assert.False(await db.PurchaseOrders.AnyAsync(o => o.Number == "PO-OLD-1"));
            Assert.False(await db.Quotes.AnyAsync(q => q.Reference == "Q-OLD-1"));
            version = await db.Vendors.Where(v => v.Id == id).Select(v => v.Version).SingleAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await buyer.PostAsJsonAsync($"/api/vendors/{id}/reactivate", new { expectedVersion = version })).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await buyer.PostAsJsonAsync("/api/orders", new { number = "PO-OLD-2", vendor = "Old Vendor", currency = "USD", lines })).StatusCode);
    }
}

public sealed class SqliteGpuEditApiTests(SqliteEditAppFixture fixture) : GpuEditApiTests<SqliteEditAppFixture>(fixture);

public sealed class PostgresGpuEditApiTests(PostgresEditAppFixture fixture) : GpuEditApiTests<PostgresEditAppFixture>(fixture);
