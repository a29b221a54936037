using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Planning;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Data.Tests;

/// <summary>The data layer's contract, written once and run against every provider.</summary>
public abstract class DataContractTests(string provider)
{
    private Task<TestDatabase> NewDatabaseAsync() => TestDatabase.CreateAsync(provider);

    [SkippableFact]
    public async Task Migrations_AppliedToFreshDatabase_LeaveNoPendingModelChanges()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} migration set is behind the model: add a migration.");
    }

    [SkippableFact]
    public async Task Model_EveryVersionedAggregate_GuardsItsVersionAsConcurrencyToken()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();
        var versioned = db.Model.GetEntityTypes().Where(e => typeof(IVersioned).IsAssignableFrom(e.ClrType)).ToList();
        Assert.Contains(versioned, e => e.ClrType == typeof(Gpu));
        Assert.Contains(versioned, e => e.ClrType == typeof(SavedScenario));
        Assert.All(versioned, e => Assert.True(
            e.FindProperty(nameof(IVersioned.Version))?.IsConcurrencyToken == true,
            $"{e.ClrType.Name}.Version is not a concurrency token: two writers could overwrite each other."));
    }

    [SkippableFact]
    public async Task DemoSeed_EmptyDatabase_FillsTenThousandGpusInEightGpuHosts()
    {
        await using var database = await NewDatabaseAsync();
        await using (var db = database.CreateContext())
        {
            Assert.True(await DemoSeeder.IsEmptyAsync(db, CancellationToken.None));
            await new DemoSeeder(database.Provider, TimeProvider.System).SeedAsync(db);
        }

        await using var check = database.CreateContext();
        Assert.Equal(10_000, await check.Gpus.CountAsync());
        Assert.Equal(2, await check.Datacenters.CountAsync());
        Assert.Equal(10_000 / 8, await check.Hosts.CountAsync());
        Assert.Equal(10_000, await check.Gpus.Select(g => g.Serial).Distinct().CountAsync());
        var fullest = await check.Gpus.Where(g => g.HostId != null).GroupBy(g => g.HostId).Select(g => g.Count()).MaxAsync();
        Assert.True(fullest <= 8, $"A host holds {fullest} cards.");
        var placed = await check.Gpus.CountAsync(g => g.HostId != null);
        Assert.Equal(placed, await check.GpuPlacements.CountAsync(p => p.To == null));
        Assert.True(await check.Gpus.CountAsync(g => g.Status == GpuStatus.InService) > 8000);
        Assert.True(await check.Gpus.Select(g => g.Status).Distinct().CountAsync() >= 6, "The demo should show a realistic mix of statuses.");
        Assert.Equal(5, await check.Gpus.Select(g => g.GpuModelId).Distinct().CountAsync());
        Assert.All(await check.Gpus.Take(50).ToListAsync(), g =>
        {
            Assert.NotNull(g.UnitCost);
            Assert.True(g.UnitCost > 0);
            Assert.Equal(DateTimeKind.Utc, g.ReceivedAt!.Value.Kind);
            Assert.Equal(1, g.Version);
        });
        Assert.False(await DemoSeeder.IsEmptyAsync(check, CancellationToken.None));
    }

    [SkippableFact]
    public async Task SaveChanges_StaleGpuWrite_IsRefusedNotOverwritten()
    {
        await using var database = await NewDatabaseAsync();
        await SeedOneGpuAsync(database, "SN-STALE-1");

        await using var first = database.CreateContext();
        await using var second = database.CreateContext();
        var a = await first.Gpus.SingleAsync(g => g.Serial == "SN-STALE-1");
        var b = await second.Gpus.SingleAsync(g => g.Serial == "SN-STALE-1");
        a.Notes = "first writer";
        await first.SaveChangesAsync();
        b.Notes = "second writer";
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var check = database.CreateContext();
        var stored = await check.Gpus.SingleAsync(g => g.Serial == "SN-STALE-1");
        Assert.Equal("first writer", stored.Notes);
        Assert.Equal(2, stored.Version);
    }

    [SkippableFact]
    public async Task SaveChanges_DuplicateSerial_IsRejected()
    {
        await using var database = await NewDatabaseAsync();
        await SeedOneGpuAsync(database, "SN-DUP-1");
        await using var db = database.CreateContext();
        var model = await db.GpuModels.FirstAsync();
        db.Gpus.Add(new Gpu { Serial = "SN-DUP-1", GpuModelId = model.Id });
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [SkippableFact]
    public async Task BulkWriter_InsertsRows_RoundTripsEveryField()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var received = new DateTime(2024, 2, 29, 13, 45, 7, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, 1000).Select(i => new Gpu(GpuStatus.Validated)
        {
            Serial = $"BULK-{i:D5}", Uuid = i % 2 == 0 ? $"GPU-{i}" : null, GpuModelId = models["H100 SXM5 80GB"].Id,
            UnitCost = 29999.1234m + i, Currency = "EUR", ReceivedAt = received, Notes = "ünïcødé ✓",
        }).ToList();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await database.Provider.BulkWriter.InsertAsync(db, rows, CancellationToken.None);
            await tx.CommitAsync();
        }

        await using var check = database.CreateContext();
        Assert.Equal(1000, await check.Gpus.CountAsync(g => g.Serial.StartsWith("BULK-")));
        var g7 = await check.Gpus.SingleAsync(g => g.Serial == "BULK-00007");
        Assert.Null(g7.Uuid);
        Assert.Equal(GpuStatus.Validated, g7.Status);
        Assert.Equal(30006.1234m, g7.UnitCost);
        Assert.Equal(received, g7.ReceivedAt);
        Assert.Equal(DateTimeKind.Utc, g7.ReceivedAt!.Value.Kind);
        Assert.Equal("ünïcødé ✓", g7.Notes);
        Assert.Equal(1, g7.Version);
    }

    /// <summary>
    /// The card's host name column (what the grid's host sort reads) is kept by the database on every write path: a
    /// card placed through the domain, bulk-written placed, moved and unplaced by set-based updates, a direct write of
    /// the column itself, and a renamed host.
    /// </summary>
    [SkippableFact]
    public async Task HostNameColumn_EveryWayACardIsPlacedOrMoved_IsItsHostsName()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var dc = new Datacenter { Code = "TST1", Name = "Test" };
        db.Datacenters.Add(dc);
        await db.SaveChangesAsync();
        var rack = new Rack { DatacenterId = dc.Id, Name = "R1" };
        db.Racks.Add(rack);
        await db.SaveChangesAsync();
        var (a, b) = (new Host { RackId = rack.Id, Hostname = "tst1-r1-h1", ServerModel = "S", GpuSlots = 8 },
            new Host { RackId = rack.Id, Hostname = "tst1-r1-h2", ServerModel = "S", GpuSlots = 8 });
        db.Hosts.AddRange(a, b);
        await db.SaveChangesAsync();

        var placed = new Gpu(GpuStatus.InService) { Serial = "HN-1", GpuModelId = models["H100 SXM5 80GB"].Id };
        placed.PlaceIn(a, dc.Id, 0, DateTime.UtcNow);
        db.Gpus.Add(placed);
        db.Gpus.Add(new Gpu(GpuStatus.Received) { Serial = "HN-2", GpuModelId = models["H100 SXM5 80GB"].Id });
        await db.SaveChangesAsync();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await database.Provider.BulkWriter.InsertAsync(db, [new Gpu(GpuStatus.InService)
            {
                Serial = "HN-3", GpuModelId = models["H100 SXM5 80GB"].Id, HostId = b.Id, DatacenterId = dc.Id, Slot = 1,
            }], CancellationToken.None);
            await tx.CommitAsync();
        }

        async Task<Dictionary<string, string?>> NamesAsync()
        {
            await using var check = database.CreateContext();
            return await check.Gpus.Where(g => g.Serial.StartsWith("HN-"))
                .Select(g => new { g.Serial, Name = EF.Property<string?>(g, GpuColumns.HostName) }).ToDictionaryAsync(x => x.Serial, x => x.Name);
        }

        Assert.Equal(new Dictionary<string, string?> { ["HN-1"] = "tst1-r1-h1", ["HN-2"] = null, ["HN-3"] = "tst1-r1-h2" }, await NamesAsync());

        // Moved by a set-based update, unplaced, and the column written directly: the database puts it right.
        await db.Gpus.Where(g => g.Serial == "HN-2").ExecuteUpdateAsync(u => u.SetProperty(g => g.HostId, b.Id));
        await db.Gpus.Where(g => g.Serial == "HN-3").ExecuteUpdateAsync(u => u.SetProperty(g => g.HostId, (int?)null));
        await db.Gpus.Where(g => g.Serial == "HN-1").ExecuteUpdateAsync(u => u.SetProperty(g => EF.Property<string?>(g, GpuColumns.HostName), "wrong"));
        Assert.Equal(new Dictionary<string, string?> { ["HN-1"] = "tst1-r1-h1", ["HN-2"] = "tst1-r1-h2", ["HN-3"] = null }, await NamesAsync());

        // A renamed host renames its cards' copies; a tracked edit of another field leaves the copy alone.
        await db.Hosts.Where(h => h.Id == a.Id).ExecuteUpdateAsync(u => u.SetProperty(h => h.Hostname, "tst1-r1-h9"));
        await using (var edit = database.CreateContext())
        {
            var card = await edit.Gpus.SingleAsync(g => g.Serial == "HN-1");
            card.Notes = "edited";
            await edit.SaveChangesAsync();
        }

        Assert.Equal(new Dictionary<string, string?> { ["HN-1"] = "tst1-r1-h9", ["HN-2"] = "tst1-r1-h2", ["HN-3"] = null }, await NamesAsync());
    }

    [SkippableFact]
    public async Task BulkWriter_FailureInsideTransaction_WritesNothing()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var rows = new[] { "A-1", "A-2", "A-1" }.Select(s => new Gpu { Serial = s, GpuModelId = models["L40S 48GB"].Id });
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => database.Provider.BulkWriter.InsertAsync(db, rows, CancellationToken.None));
        }

        await using var check = database.CreateContext();
        Assert.Equal(0, await check.Gpus.CountAsync());
    }

    [SkippableFact]
    public async Task ProviderNames_Of_NamesTheStoreTheContextRunsOn()
    {
        await using var database = await NewDatabaseAsync();
        await using var db = database.CreateContext();

        Assert.Equal(provider, DatabaseProviderNames.Of(db.Database));
        Assert.Equal(provider == TestDatabase.Sqlite, DatabaseProviderNames.IsSqlite(db.Database));
        Assert.Equal(provider == TestDatabase.Postgres, DatabaseProviderNames.IsPostgres(db.Database));
    }

    internal static async Task SeedOneGpuAsync(TestDatabase database, string serial)
    {
        await using var db = database.CreateContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        db.Gpus.Add(new Gpu { Serial = serial, GpuModelId = models["H100 SXM5 80GB"].Id, ReceivedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }
}

public sealed class SqliteDataContractTests() : DataContractTests(TestDatabase.Sqlite);

public sealed class PostgresDataContractTests() : DataContractTests(TestDatabase.Postgres);
