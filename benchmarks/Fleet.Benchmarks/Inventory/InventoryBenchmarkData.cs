using System.Globalization;
using System.Text;
using Fleet.Data.Seeding;
using Fleet.Domain.Catalog;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;

namespace Fleet.Benchmarks.Inventory;

/// <summary>Databases and files the inventory benchmarks share.</summary>
internal static class InventoryBenchmarkData
{
    /// <summary>A 10,000-row GPU CSV like a vendor's serial list (every column a clerk fills).</summary>
    public static byte[] Csv(int rows, string prefix = "BENCH")
    {
        var models = GpuCatalog.Models.Select(m => m.Name).ToArray();
        var sb = new StringBuilder("serial,model,status,datacenter,uuid,asset_tag,po_number,unit_cost,currency,received_at,warranty_ends_at,notes\n");
        for (var i = 0; i < rows; i++)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{prefix}{i:D8},{models[i % models.Length]},{(i % 10 == 0 ? "Validated" : "Received")},{(i % 2 == 0 ? "FRA1" : "IAD1")},GPU-{Guid.NewGuid()},AT-{i:D7},PO-2026-{i / 1000},{25000 + (i % 500)}.50,USD,2026-0{1 + (i % 9)}-15,2029-0{1 + (i % 9)}-15,bench row {i}\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The same rows as entities, for the raw bulk-write baseline.</summary>
    public static List<Domain.Inventory.Gpu> Entities(int rows, IReadOnlyDictionary<string, GpuModel> models, int fraId, int iadId, string prefix = "RAW")
    {
        var names = GpuCatalog.Models.Select(m => m.Name).ToArray();
        return Enumerable.Range(0, rows).Select(i => new Domain.Inventory.Gpu(i % 10 == 0 ? GpuStatus.Validated : GpuStatus.Received)
        {
            Serial = $"{prefix}{i:D8}", GpuModelId = models[names[i % names.Length]].Id,
            DatacenterId = i % 2 == 0 ? fraId : iadId, Uuid = $"GPU-{Guid.NewGuid()}", AssetTag = $"AT-{i:D7}", PoNumber = $"PO-2026-{i / 1000}",
            UnitCost = 25000.5m + (i % 500), Currency = "USD", ReceivedAt = new DateTime(2026, 1 + (i % 9), 15, 0, 0, 0, DateTimeKind.Utc),
            WarrantyEndsAt = new DateTime(2029, 1 + (i % 9), 15, 0, 0, 0, DateTimeKind.Utc), Notes = $"bench row {i}",
        }).ToList();
    }

    /// <summary>A fresh database with the catalog and the two datacenters, no cards.</summary>
    public static async Task<(TestDatabase Db, Dictionary<string, GpuModel> Models, int Fra, int Iad)> EmptyFleetAsync(string provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.CreateContext();
        var models = await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        var fra = new Datacenter { Code = "FRA1", Name = "Frankfurt 1" };
        var iad = new Datacenter { Code = "IAD1", Name = "Ashburn 1" };
        db.Datacenters.AddRange(fra, iad);
        await db.SaveChangesAsync();
        return (database, models, fra.Id, iad.Id);
    }
}
