using Fleet.Data;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;

namespace Fleet.Web.Tests.Search;

/// <summary>The indexes free-text search relies on: SQLite's FTS5 trigram table follows the cards, PostgreSQL's plans use theirs.</summary>
public sealed class SearchIndexTests
{
    private static async Task<List<int>> FtsAsync(FleetDbContext db, string phrase) =>
        await db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM gpus_search WHERE gpus_search MATCH {"\"" + phrase + "\""}").ToListAsync();

    [Fact]
    public async Task SqliteFts_CardInsertedUpdatedDeleted_IndexFollows()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        await using var db = database.CreateContext();
        var model = new GpuModel { Name = "Test 80GB", Vendor = "NVIDIA", Architecture = "Test", FormFactor = "SXM", MemoryGb = 80 };
        db.GpuModels.Add(model);
        await db.SaveChangesAsync();
        var gpu = new Gpu { Serial = "FTS-QX-0001", GpuModelId = model.Id, AssetTag = "AT-ALPHA", PoNumber = "PO-OLD-77" };
        db.Gpus.Add(gpu);
        await db.SaveChangesAsync();

        Assert.Equal(new[] { gpu.Id }, await FtsAsync(db, "qx-00"));
        Assert.Equal(new[] { gpu.Id }, await FtsAsync(db, "ALPHA"));

        gpu.AssetTag = "AT-BRAVO";
        gpu.PoNumber = "PO-NEW-88";
        await db.SaveChangesAsync();
        Assert.Empty(await FtsAsync(db, "ALPHA"));
        Assert.Empty(await FtsAsync(db, "OLD-77"));
        Assert.Equal(new[] { gpu.Id }, await FtsAsync(db, "bravo"));
        Assert.Equal(new[] { gpu.Id }, await FtsAsync(db, "NEW-88"));

        db.Gpus.Remove(gpu);
        await db.SaveChangesAsync();
        Assert.Empty(await FtsAsync(db, "QX-0001"));
        Assert.Empty(await FtsAsync(db, "BRAVO"));
    }

    /// <summary>The plan of one of the search's queries with the alternatives it must not fall back to switched off.</summary>
    private static async Task<string> PlanAsync(string settings, string sql)
    {
        await using var database = await TestDatabase.CreatePostgresAsync();
        return await PlanAsync(database, settings, sql);
    }

    private static async Task<string> PlanAsync(TestDatabase database, string settings, string sql)
    {
        await using var db = database.CreateContext();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = settings + "; EXPLAIN " + sql;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    [SkippableFact]
    public async Task PostgresPlan_SerialSubstringSearch_UsesTheSerialTrigramIndex()
    {
        // 20,000 analysed rows, so the planner costs the trigram bitmap against walking the serial index (which it
        // would take, reading every row, without ix_gpus_serial_trgm); on an empty table every plan costs nothing.
        await using var database = await TestDatabase.CreatePostgresAsync();
        await using (var db = database.CreateContext())
        {
            var model = new GpuModel { Name = "Plan 80GB", Vendor = "NVIDIA", Architecture = "Test", FormFactor = "SXM", MemoryGb = 80 };
            db.GpuModels.Add(model);
            await db.SaveChangesAsync();
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO gpus (serial, gpu_model_id, status, currency, version)
                SELECT '1655' || lpad(i::text, 9, '0'), {model.Id}, 'InService', 'USD', 1 FROM generate_series(1, 20000) i
                """);
            await db.Database.ExecuteSqlRawAsync("ANALYZE gpus");
        }

        var plan = await PlanAsync(database, "SET enable_seqscan = off",
            "SELECT id FROM gpus WHERE upper(serial) LIKE '%000012345%' ESCAPE '\\' ORDER BY serial, id LIMIT 6");

        Assert.True(plan.Contains("ix_gpus_serial_trgm", StringComparison.Ordinal), plan);
    }

    [SkippableFact]
    public async Task PostgresPlan_PoNumberSearch_WalksPoNumberSerialIndexWithoutSorting()
    {
        var plan = await PlanAsync("SET enable_seqscan = off; SET enable_sort = off; SET enable_incremental_sort = off",
            "SELECT id FROM gpus WHERE po_number = 'PO-2023-1006' ORDER BY serial, id LIMIT 6");

        Assert.Contains("ix_gpus_po_number_serial", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
    }
}
