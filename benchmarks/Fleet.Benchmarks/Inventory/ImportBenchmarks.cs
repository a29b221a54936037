using BenchmarkDotNet.Attributes;
using Fleet.Application.Common;
using Fleet.Application.Import;
using Fleet.Data;
using Fleet.Domain.Catalog;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Benchmarks.Inventory;

/// <summary>
/// A 10,000-row CSV import (validate + commit, one transaction) against the raw bulk write of the same rows
/// (binary COPY on PostgreSQL, a prepared INSERT on SQLite), measured side by side on each provider.
/// </summary>
[InProcess]
[MinIterationCount(5)]
[MaxIterationCount(12)]
[WarmupCount(1)]
public class ImportBenchmarks
{
    private const int Rows = 10_000;
    private byte[] _csv = [];
    private TestDatabase? _database;
    private Dictionary<string, GpuModel> _models = [];
    private int _fra;
    private int _iad;

    [Params(TestDatabase.Sqlite, TestDatabase.Postgres)]
    public string Provider { get; set; } = TestDatabase.Sqlite;

    [GlobalSetup]
    public void Setup() => _csv = InventoryBenchmarkData.Csv(Rows);

    [IterationSetup]
    public void FreshDatabase() =>
        (_database, _models, _fra, _iad) = InventoryBenchmarkData.EmptyFleetAsync(Provider).GetAwaiter().GetResult();

    [IterationCleanup]
    public void DropDatabase() => _database!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "CSV import 10k (validate + commit)")]
    public async Task<int> ImportCsv()
    {
        var service = new GpuImportService(new TestContextFactory(_database!), _database!.Provider, TimeProvider.System, new ImportOptions());
        var result = await service.ImportAsync(new MemoryStream(_csv), ImportMode.Insert, dryRun: false, Actor.System);
        return result.Succeeded ? result.Inserted : throw new InvalidOperationException(result.Errors[0].Message);
    }

    [Benchmark(Baseline = true, Description = "Raw bulk write 10k (COPY / prepared INSERT)")]
    public async Task<int> RawBulkWrite()
    {
        var rows = InventoryBenchmarkData.Entities(Rows, _models, _fra, _iad);
        await using var db = _database!.CreateContext();
        await using var tx = await db.Database.BeginTransactionAsync();
        await _database.Provider.BulkWriter.InsertAsync(db, rows, CancellationToken.None);
        await tx.CommitAsync();
        return rows.Count;
    }
}
