using BenchmarkDotNet.Attributes;
using Fleet.Application.Export;
using Fleet.Application.Inventory;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Benchmarks.Inventory;

/// <summary>
/// <c>GET /api/gpus</c>, filtered and sorted, first page, through the real HTTP pipeline (in-memory server), over a
/// seeded fleet of 10,000 (both providers) or 1,000,000 GPUs (PostgreSQL, generated with the bulk path); and the
/// CSV export of 10,000 rows.
/// </summary>
[InProcess]
[MinIterationCount(10)]
[MaxIterationCount(30)]
[WarmupCount(3)]
public class GpuListBenchmarks
{
    // The in-process toolchain runs every method in one process: seed each fleet once (a million cards take a minute).
    private static readonly Dictionary<string, FleetWebFactory> s_apps = [];
    private FleetWebFactory? _app;
    private HttpClient? _client;

    static GpuListBenchmarks() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var app in s_apps.Values)
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    };

    [Params("Sqlite-10k", "Postgres-10k", "Postgres-1M")]
    public string Fleet { get; set; } = "Sqlite-10k";

    [GlobalSetup]
    public void Setup()
    {
        if (!s_apps.TryGetValue(Fleet, out _app))
        {
            var provider = Fleet.StartsWith("Sqlite", StringComparison.Ordinal) ? TestDatabase.Sqlite : TestDatabase.Postgres;
            var scale = Fleet.EndsWith("1M", StringComparison.Ordinal) ? 100.0 : 1.0;
            _app = new FleetWebFactory(provider).StartAsync().GetAwaiter().GetResult();
            using (var db = _app.CreateDbContext())
            {
                var started = DateTime.UtcNow;
                new DemoSeeder(_app.Database.Provider, TimeProvider.System).SeedAsync(db, hostScale: scale).GetAwaiter().GetResult();
                if (provider == TestDatabase.Postgres)
                {
                    db.Database.ExecuteSqlRaw("VACUUM ANALYZE gpus");
                }

                Console.WriteLine($"// seeded {Fleet} in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            }

            s_apps[Fleet] = _app;
        }

        _client = _app.ClientForRoleAsync(Roles.Viewer).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _client?.Dispose();

    [Benchmark(Description = "GET /api/gpus status+datacenter, sort -receivedAt, page 1")]
    public Task<string> FilteredSortedFirstPage() =>
        _client!.GetStringAsync("/api/gpus?status=InService&datacenter=FRA1&sort=-receivedAt&pageSize=50");

    [Benchmark(Description = "GET /api/gpus model filter, sort serial, page 3")]
    public Task<string> ModelSortedThirdPage() =>
        _client!.GetStringAsync("/api/gpus?model=H200%20SXM%20141GB&sort=serial&page=3&pageSize=50");

    [Benchmark(Description = "GET /api/gpus free-text search")]
    public Task<string> Search() => _client!.GetStringAsync("/api/gpus?search=fra1-r010&pageSize=50");

    [Benchmark(Description = "Export all GPUs as CSV")]
    public async Task<long> ExportAll()
    {
        using var scope = _app!.Services.CreateScope();
        var export = scope.ServiceProvider.GetRequiredService<GpuExportService>();
        using var output = new MemoryStream();
        if (Fleet.EndsWith("1M", StringComparison.Ordinal))
        {
            await export.ExportAsync(new GpuQuery { Datacenter = "FRA1", Status = "Failed" }, output);
        }
        else
        {
            await export.ExportAsync(new GpuQuery(), output);
        }

        return output.Length;
    }
}
