using BenchmarkDotNet.Attributes;
using Fleet.Application.Finance;
using Fleet.Application.Reports;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Migrations.Postgres;
using Fleet.Migrations.Sqlite;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Fleet.Benchmarks.Reports;

/// <summary>
/// Every finance report over the 10,000-GPU demo fleet, computed (what the page renders from) and exported as CSV and
/// XLSX, on both providers. Targets: render ≤ 1 s, export ≤ 2 s. PostgreSQL needs FLEET_TEST_POSTGRES.
/// </summary>
[InProcess]
[MinIterationCount(5)]
[MaxIterationCount(10)]
[WarmupCount(2)]
[MemoryDiagnoser]
public class ReportBenchmarks
{
    private Factory? _contexts;
    private ReportService? _reports;
    private readonly ReportQuery _query = new() { AsOf = new DateOnly(2026, 11, 26) };

    [Params(TestDatabase.Sqlite, TestDatabase.Postgres)]
    public string Provider { get; set; } = TestDatabase.Sqlite;

    [Params(ReportService.AssetRegister, ReportService.DepreciationSchedule, ReportService.Capex, ReportService.BudgetVsActual,
        ReportService.CostPerGpuHour, ReportService.Warranties, ReportService.RmaCredits)]
    public string Report { get; set; } = ReportService.AssetRegister;

    /// <summary>
    /// Seeds the demo fleet once per provider and keeps it (a file under /tmp, a PostgreSQL database named
    /// fleet_bench_reports), so the 42 cases do not each spend their setup seeding.
    /// </summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        IDatabaseProvider provider;
        string connection;
        if (Provider == TestDatabase.Sqlite)
        {
            provider = new SqliteDatabaseProvider();
            connection = $"Data Source={Path.Combine(Path.GetTempPath(), "fleet-bench-reports.db")}";
        }
        else
        {
            var server = TestEnvironment.PostgresServer ?? throw new InvalidOperationException("Set FLEET_TEST_POSTGRES to benchmark PostgreSQL.");
            provider = new PostgresDatabaseProvider();
            connection = new NpgsqlConnectionStringBuilder(server) { Database = "fleet_bench_reports" }.ConnectionString;
        }

        _contexts = new Factory(provider.CreateOptions(connection));
        await using (var db = _contexts.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            if (await DemoSeeder.IsEmptyAsync(db, CancellationToken.None))
            {
                await new DemoSeeder(provider, TimeProvider.System).SeedAsync(db);
            }
        }

        _reports = new ReportService(_contexts, TimeProvider.System, new FinanceOptions());
    }

    [Benchmark(Description = "render")]
    public Task<ReportTable> Render() => _reports!.RunAsync(Report, _query);

    [Benchmark(Description = "export csv")]
    public async Task<long> ExportCsv()
    {
        var table = await _reports!.RunAsync(Report, _query);
        using var stream = new MemoryStream();
        await ReportExporter.WriteCsvAsync(table, stream, CancellationToken.None);
        return stream.Length;
    }

    [Benchmark(Description = "export xlsx")]
    public async Task<long> ExportXlsx()
    {
        var table = await _reports!.RunAsync(Report, _query);
        using var stream = new MemoryStream();
        await ReportExporter.WriteXlsxAsync(table, stream, CancellationToken.None);
        return stream.Length;
    }

    private sealed class Factory(DbContextOptions<FleetDbContext> options) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext() => new(options);
    }
}
