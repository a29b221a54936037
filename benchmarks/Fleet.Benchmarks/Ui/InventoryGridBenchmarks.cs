using BenchmarkDotNet.Attributes;
using Fleet.Application;
using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Benchmarks.Ui;

/// <summary>
/// What one interaction with the inventory grid and the dashboard costs on the server over the 10,000-GPU demo fleet
/// (SQLite): the queries the web UI sends per page, sort, filter or dashboard load.
/// </summary>
[InProcess]
[WarmupCount(3)]
[IterationCount(10)]
[MemoryDiagnoser]
public class InventoryGridBenchmarks
{
    private TestDatabase? _database;
    private ServiceProvider? _services;
    private InventoryService _inventory = default!;

    [GlobalSetup]
    public void Setup()
    {
        _database = TestDatabase.CreateSqliteAsync().GetAwaiter().GetResult();
        using (var db = _database.CreateContext())
        {
            new DemoSeeder(_database.Provider, TimeProvider.System).SeedAsync(db).GetAwaiter().GetResult();
        }

        var services = new ServiceCollection();
        services.AddFleetData(_database.Provider, _database.ConnectionString);
        services.AddFleetApplication();
        _services = services.BuildServiceProvider();
        _inventory = _services.GetRequiredService<InventoryService>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services?.Dispose();
        _database?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Opening /gpus: first 25 rows by serial plus the total.</summary>
    [Benchmark(Baseline = true)]
    public Task<GpuListPage> FirstPage() => _inventory.ListAsync(new GpuQuery { PageSize = 25 });

    /// <summary>Paging to the end of the fleet.</summary>
    [Benchmark]
    public Task<GpuListPage> LastPage() => _inventory.ListAsync(new GpuQuery { Page = 400, PageSize = 25 });

    /// <summary>Status + datacenter filter, sorted by unit cost descending.</summary>
    [Benchmark]
    public Task<GpuListPage> FilteredSorted() =>
        _inventory.ListAsync(new GpuQuery { Status = "InService", Datacenter = "FRA1", Sort = "-unitCost", PageSize = 25 });

    /// <summary>Free-text search over serial, UUID, asset tag and host (a substring scan).</summary>
    [Benchmark]
    public Task<GpuListPage> Search() => _inventory.ListAsync(new GpuQuery { Search = "iad1-r15", PageSize = 25 });

    /// <summary>The dashboard's counts by status, datacenter and model.</summary>
    [Benchmark]
    public Task<FleetSummary> DashboardSummary() => _inventory.SummaryAsync();

    /// <summary>Opening a GPU page: detail with placements and allowed moves, plus its audit trail.</summary>
    [Benchmark]
    public async Task<int> GpuPage()
    {
        var detail = await _inventory.GetAsync("1790000009999", "Technician");
        var history = await _inventory.HistoryAsync(detail.Gpu.Serial);
        return detail.Placements.Count + history.Count;
    }
}
