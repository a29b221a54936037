using Fleet.Data;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

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
}
