using System.Diagnostics;
using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Benchmarks.Inventory;

/// <summary>
/// A 1,000-card bulk lifecycle move (Received → BurnIn, one request) on a fresh database per run, timed end to end:
/// <c>dotnet run --project benchmarks/Fleet.Benchmarks -- bulk-move Postgres 7</c>. A harness of its own (like
/// grid-sweep): each run needs 1,000 cards that have not moved yet, which BenchmarkDotNet's iterations would reuse.
/// </summary>
public static class BulkMoveTiming
{
    public static async Task<int> RunAsync(string[] args)
    {
        var provider = args.Length > 1 ? args[1] : TestDatabase.Postgres;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;
        const int cards = 1_000;
        var times = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var (database, models, fra, iad) = await InventoryBenchmarkData.EmptyFleetAsync(provider);
            await using (database)
            {
                // 10,000 cards in the table, 1,000 of them moved: the selection is found among others.
                var rows = InventoryBenchmarkData.Entities(10_000, models, fra, iad);
                await using (var db = database.CreateContext())
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await database.Provider.BulkWriter.InsertAsync(db, rows, CancellationToken.None);
                    await tx.CommitAsync();
                    await database.Provider.RefreshStatisticsAsync(db, CancellationToken.None);
                }

                var serials = rows.Where(r => r.Status == Domain.Lifecycle.GpuStatus.Received).Take(cards).Select(r => r.Serial).ToList();
                var service = new GpuBulkService(new ContextFactory(database), database.Provider, TimeProvider.System);
                var clock = Stopwatch.StartNew();
                var result = await service.TransitionAsync(new BulkTransitionRequest(serials, "BurnIn", "bulk move benchmark"),
                    new Actor("bench", Roles.Technician));
                clock.Stop();
                if (!result.Applied || result.Changed.Count != cards)
                {
                    throw new InvalidOperationException($"The move did not apply: {result.Errors.FirstOrDefault()?.Message}");
                }

                times.Add(clock.Elapsed.TotalMilliseconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: {clock.Elapsed.TotalMilliseconds:F0} ms"));
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{provider}: {cards:N0}-card bulk move, {runs} runs: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms, max {times[^1]:F0} ms"));
        return 0;
    }

    private sealed class ContextFactory(TestDatabase database) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext() => database.CreateContext();
    }
}
