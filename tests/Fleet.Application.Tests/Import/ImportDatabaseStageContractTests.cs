using Fleet.Application.Common;
using Fleet.Application.Import;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Tests.Import;

/// <summary>The import's database stages on their own, per provider: the checks against the database, and the commit.</summary>
public abstract class ImportDatabaseStageContractTests(string provider)
{
    private static readonly Actor s_clerk = new("Pat Procurement", Roles.Procurement, "req-1");
    private static readonly DateTime s_now = new(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>The catalog, datacenter FRA1 with one 8-slot host (fra1-r001-h1), and card SN-OLD in it.</summary>
    private async Task<TestDatabase> ArrangeAsync()
    {
        var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.CreateContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var dc = new Datacenter { Code = "FRA1", Name = "Frankfurt 1" };
        dc.Racks.Add(new Rack { Name = "R001", Hosts = { new Host { Hostname = "fra1-r001-h1", GpuSlots = 8 } } });
        db.Datacenters.Add(dc);
        await db.SaveChangesAsync();
        db.Gpus.Add(new Gpu(GpuStatus.Received)
        {
            Serial = "SN-OLD", GpuModelId = await db.GpuModels.Select(m => m.Id).FirstAsync(), ReceivedAt = s_now, Currency = "USD", Version = 1,
        });
        await db.SaveChangesAsync();
        return database;
    }

    private static GpuImportRow Row(int line, string serial, string model = "H100 SXM5 80GB", string? dc = null, string? host = null, int? slot = null,
        CurrencyCode? currency = null) =>
        new(line, serial, model, null, dc, host, slot, null, null, null, null, null, null, currency, null, null, null, null);

    [SkippableFact]
    public async Task DatabaseChecks_UnknownModelDatacenterHostAndKnownSerial_AreEachNamedOnTheirLine()
    {
        await using var database = await ArrangeAsync();
        await using var db = database.CreateContext();
        var errors = new ImportErrorList(100);

        var plan = await GpuDatabaseChecks.CheckAsync(db,
            [Row(2, "SN-1", model: "H900 Imaginary"), Row(3, "SN-2", dc: "ZZZ9"), Row(4, "SN-3", host: "nohost", slot: 1), Row(5, "SN-OLD")],
            ImportMode.Insert, s_clerk, s_now, errors, CancellationToken.None);

        Assert.Equal(
        [
            (2, "model", "Unknown model 'H900 Imaginary'"), (3, "datacenter", "Unknown datacenter 'ZZZ9'"), (4, "host", "Unknown host 'nohost'."),
            (5, "serial", "GPU SN-OLD already exists. Use upsert mode to update it."),
        ], errors.Items.Select(e => (e.Line, e.Column, e.Message.Split(". Catalog")[0].Split(". Known")[0])));
        Assert.Empty(plan.Inserts);
    }

    [SkippableFact]
    public async Task DatabaseChecks_Upsert_PlansNewCardsAsInsertsAndChangedKnownOnesAsUpdates()
    {
        await using var database = await ArrangeAsync();
        await using var db = database.CreateContext();
        var errors = new ImportErrorList(100);

        var plan = await GpuDatabaseChecks.CheckAsync(db, [Row(2, "SN-NEW"), Row(3, "SN-OLD", host: "fra1-r001-h1", slot: 2)],
            ImportMode.Upsert, s_clerk, s_now, errors, CancellationToken.None);

        Assert.Empty(errors.Items);
        Assert.Equal("SN-NEW", Assert.Single(plan.Inserts).Row.Serial);
        Assert.Equal("SN-OLD", Assert.Single(plan.Updates).Row.Serial);
        Assert.Equal(1, await db.Gpus.CountAsync());
    }

    [SkippableFact]
    public async Task Commit_Plan_WritesEveryCardWithAnAuditEntryInOneTransaction()
    {
        await using var database = await ArrangeAsync();
        await using (var db = database.CreateContext())
        {
            var errors = new ImportErrorList(100);
            var plan = await GpuDatabaseChecks.CheckAsync(db,
                [Row(2, "SN-A", currency: CurrencyCode.Parse("eur")), Row(3, "SN-B", host: "fra1-r001-h1", slot: 0), Row(4, "SN-OLD", slot: 1, host: "fra1-r001-h1")],
                ImportMode.Upsert, s_clerk, s_now, errors, CancellationToken.None);
            Assert.Empty(errors.Items);

            await GpuImportCommit.CommitAsync(db, database.Provider, plan, s_clerk, s_now, CancellationToken.None);
        }

        await using var check = database.CreateContext();
        var cards = await check.Gpus.AsNoTracking().OrderBy(g => g.Serial).ToListAsync();
        Assert.Equal([("SN-A", "EUR", (int?)null), ("SN-B", "USD", (int?)0), ("SN-OLD", "USD", (int?)1)], cards.Select(g => (g.Serial, g.Currency, g.Slot)));
        Assert.Equal(3, await check.AuditEntries.CountAsync());
        Assert.Equal(2, await check.Set<GpuPlacement>().CountAsync());
    }
}

public sealed class SqliteImportDatabaseStageTests() : ImportDatabaseStageContractTests(TestDatabase.Sqlite);

public sealed class PostgresImportDatabaseStageTests() : ImportDatabaseStageContractTests(TestDatabase.Postgres);
