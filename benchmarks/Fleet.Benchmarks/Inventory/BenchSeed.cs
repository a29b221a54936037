using System.Diagnostics;
using System.Globalization;
using Fleet.Data.Seeding;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Benchmarks.Inventory;

/// <summary>
/// The sweeps' demo fleet. With <c>FLEET_BENCH_DATABASE=name</c> the app runs on that kept database: seeded once, and
/// reused by later runs while it holds the fleet of the same scale (a marker table remembers the scale and card count).
/// On PostgreSQL the trigram (GIN) indexes are dropped for the load and built afterwards, which is several times faster
/// than maintaining them row by row during the binary COPY.
/// </summary>
public static class BenchSeed
{
    public const string DatabaseVariable = "FLEET_BENCH_DATABASE";

    public static FleetWebFactory Factory(string provider) =>
        new(provider) { KeptDatabase = Environment.GetEnvironmentVariable(DatabaseVariable) is { Length: > 0 } name ? name : null };

    /// <summary>Seeds (or reuses) the fleet and analyses it; returns what happened, for the report's heading.</summary>
    public static async Task<string> PrepareAsync(FleetWebFactory app, string provider, double scale)
    {
        var started = Stopwatch.StartNew();
        await using var db = app.CreateDbContext();
        db.Database.SetCommandTimeout(1800);
        var postgres = provider == TestDatabase.Postgres;
        var scaleText = scale.ToString("R", CultureInfo.InvariantCulture);
        if (app.KeptDatabase is not null)
        {
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS fleet_bench_seed (scale TEXT NOT NULL, cards INTEGER NOT NULL)");
            var marked = await db.Database.SqlQueryRaw<int>("SELECT cards AS \"Value\" FROM fleet_bench_seed WHERE scale = {0}", scaleText)
                .ToListAsync();
            var cards = await db.Gpus.CountAsync();
            if (marked.Count == 1 && marked[0] == cards && cards > 0)
            {
                if (postgres)
                {
                    // A migration since the last run may have rewritten rows: the index-only scans need a fresh visibility map.
                    await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE gpus");
                    await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE hosts");
                }

                return string.Create(CultureInfo.InvariantCulture, $"reused database {app.KeptDatabase}, VACUUM ANALYZE");
            }

            if (cards > 0)
            {
                throw new InvalidOperationException(
                    $"Database {app.KeptDatabase} holds {cards} cards but not the scale-{scaleText} fleet; drop it or pick another name.");
            }
        }

        var deferred = new List<string>();
        if (postgres)
        {
            deferred = await db.Database.SqlQueryRaw<string>(
                "SELECT indexdef AS \"Value\" FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%gin_trgm_ops%'").ToListAsync();
            foreach (var definition in deferred)
            {
                // "CREATE INDEX name ON ...": the name is the catalogue's own.
                var drop = "DROP INDEX " + definition.Split(' ')[2];
                await db.Database.ExecuteSqlRawAsync(drop);
            }
        }

        var seedWatch = Stopwatch.StartNew();
        await new DemoSeeder(app.Database.Provider, TimeProvider.System).SeedAsync(db, hostScale: scale);
        var seeded = seedWatch.Elapsed;
        if (postgres)
        {
            var indexWatch = Stopwatch.StartNew();
            await db.Database.ExecuteSqlRawAsync("SET maintenance_work_mem = '512MB'");
            foreach (var definition in deferred)
            {
                await db.Database.ExecuteSqlRawAsync(definition);
            }

            // One statement per command: VACUUM cannot run in a batch.
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE gpus");
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE hosts");
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE purchase_orders");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seed {seeded.TotalSeconds:F0} s, {deferred.Count} trigram indexes + VACUUM ANALYZE {indexWatch.Elapsed.TotalSeconds:F0} s"));
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE;");
        }

        if (app.KeptDatabase is not null)
        {
            var cards = await db.Gpus.CountAsync();
            await db.Database.ExecuteSqlRawAsync("DELETE FROM fleet_bench_seed");
            await db.Database.ExecuteSqlRawAsync("INSERT INTO fleet_bench_seed (scale, cards) VALUES ({0}, {1})", scaleText, cards);
        }

        return string.Create(CultureInfo.InvariantCulture, $"seeded in {started.Elapsed.TotalSeconds:F0} s");
    }
}
