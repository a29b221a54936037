using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Application.Import;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Benchmarks.Inventory;

/// <summary>
/// Every filter × sort shape of <c>GET /api/gpus</c> (first page, ascending and descending), deep pages, searches, the
/// whole-fleet export and a 10,000-row import against a raw bulk write, through the real HTTP pipeline over a seeded
/// fleet: <c>dotnet run -c Release --project benchmarks/Fleet.Benchmarks -- grid-sweep Postgres 100 21 out.md</c>
/// (provider, demo scale: 1 = 10,000 cards, runs per shape, the Markdown report). Too many shapes for BenchmarkDotNet's
/// iteration counts; each shape gets warm-up requests, then timed ones, median and p99 (the slowest, below 100 runs).
/// </summary>
public static class GridSweep
{
    private static readonly string[] s_sorts =
        ["serial", "uuid", "assetTag", "model", "status", "datacenter", "host", "unitCost", "poNumber", "receivedAt", "warrantyEndsAt"];

    public static async Task<int> RunAsync(string[] args)
    {
        var provider = args.Length > 1 ? args[1] : TestDatabase.Postgres;
        var scale = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var runs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 11;
        var output = args.Length > 4 ? args[4] : "grid-sweep.md";
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        await using var app = await BenchSeed.Factory(provider).StartAsync();
        var seeded = await BenchSeed.PrepareAsync(app, provider, scale);

        using var client = await app.ClientForRoleAsync(Roles.Viewer);
        int count;
        await using (var db = app.CreateDbContext())
        {
            count = await db.Gpus.CountAsync();
        }

        Line(string.Create(CultureInfo.InvariantCulture,
            $"## {provider}, {count:N0} cards ({seeded}), {runs} runs per shape, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Line($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");

        string model;
        await using (var db = app.CreateDbContext())
        {
            model = await db.Gpus.GroupBy(g => g.Model!.Name).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync();
        }

        var m = Uri.EscapeDataString(model);
        string[] filters =
        [
            "", "status=InService", "status=Failed", "datacenter=IAD1", $"model={m}", "status=InService&datacenter=FRA1",
            $"status=Failed&model={m}", $"datacenter=IAD1&model={m}", $"status=Failed&datacenter=IAD1&model={m}",
        ];

        var all = new List<double>();
        Line("");
        Line("| filter | " + string.Join(" | ", s_sorts) + " |");
        Line("|---|" + string.Concat(Enumerable.Repeat("---:|", s_sorts.Length)));
        foreach (var filter in filters)
        {
            var cells = new List<string>();
            foreach (var sort in s_sorts)
            {
                var up = await TimeAsync(client, $"/api/gpus?{filter}&sort={sort}&pageSize=50", runs);
                var down = await TimeAsync(client, $"/api/gpus?{filter}&sort=-{sort}&pageSize=50", runs);
                all.AddRange(up.Samples);
                all.AddRange(down.Samples);
                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{up.Median:F1}/{up.P99:F0} · {down.Median:F1}/{down.P99:F0}"));
            }

            Line($"| {(filter.Length == 0 ? "(none)" : Uri.UnescapeDataString(filter))} | " + string.Join(" | ", cells) + " |");
        }

        all.Sort();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"\nAll {all.Count} first-page requests: median {Percentile(all, 0.5):F1} ms, p99 {Percentile(all, 0.99):F1} ms, max {all[^1]:F1} ms. Cells: asc median/p99 · desc median/p99, ms."));

        Line("");
        Line("| request | median ms | p99 ms |");
        Line("|---|---:|---:|");
        async Task Row(string name, string url)
        {
            var r = await TimeAsync(client, url, runs);
            Line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {r.Median:F1} | {r.P99:F1} |"));
        }

        foreach (var sort in new[] { "serial", "-receivedAt", "unitCost", "host", "model" })
        {
            var first = await JsonAsync(client, $"/api/gpus?sort={sort}&pageSize=50");
            var last = first.GetProperty("last").GetString()!;
            await Row($"last page `sort={sort}&before=<last>`", $"/api/gpus?sort={sort}&pageSize=50&before={Uri.EscapeDataString(last)}");
            var end = await JsonAsync(client, $"/api/gpus?sort={sort}&pageSize=50&before={Uri.EscapeDataString(last)}");
            var previous = end.GetProperty("previous").GetString()!;
            await Row($"next-to-last page `sort={sort}&before=<previous>`", $"/api/gpus?sort={sort}&pageSize=50&before={Uri.EscapeDataString(previous)}");
        }

        var mid = await JsonAsync(client, "/api/gpus?status=InService&sort=serial&pageSize=50&page=3");
        await Row("`status=InService&sort=serial&page=3` (offset form)", "/api/gpus?status=InService&sort=serial&pageSize=50&page=3");
        await Row("same, next page by `after=`", $"/api/gpus?status=InService&sort=serial&pageSize=50&after={Uri.EscapeDataString(mid.GetProperty("next").GetString()!)}");
        await Row("offset page 200 (`page=200`, offset 9,950)", "/api/gpus?sort=serial&pageSize=50&page=200");
        await Row("exact count `count=exact`, no filter", "/api/gpus?pageSize=50&count=exact");
        await Row("exact count `status=InService&count=exact`", "/api/gpus?status=InService&pageSize=50&count=exact");

        string serialPrefix, assetTag, uuid, po, host;
        await using (var db = app.CreateDbContext())
        {
            var g = await db.Gpus.Where(x => x.Uuid != null && x.HostId != null && x.PoNumber != null).OrderBy(x => x.Id).Skip(count / 3)
                .Select(x => new { x.Serial, x.AssetTag, x.Uuid, x.PoNumber, x.Host!.Hostname }).FirstAsync();
            serialPrefix = g.Serial[..^3];
            assetTag = g.AssetTag!;
            uuid = g.Uuid!.Substring(9, 8);
            po = g.PoNumber!;
            host = g.Hostname[..^3];
        }

        foreach (var (name, term) in new[]
                 {
                     ("serial prefix", serialPrefix), ("serial substring", serialPrefix[3..]), ("asset tag", assetTag), ("UUID fragment", uuid),
                     ("PO number", po), ("host", host), ("host, whole rack prefix", host[..^3]),
                 })
        {
            await Row($"search {name} `{term}`", $"/api/gpus?search={Uri.EscapeDataString(term)}&pageSize=50");
        }

        // The whole fleet as CSV, read as it streams; the process's peak working set says whether it was buffered.
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var export = Stopwatch.StartNew();
        long bytes = 0;
        using (var response = await client.GetAsync("/api/gpus/export", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                bytes += read;
            }
        }

        export.Stop();
        Process.GetCurrentProcess().Refresh();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"\nExport of all {count:N0} cards: {export.Elapsed.TotalSeconds:F1} s, {bytes / 1e6:F0} MB of CSV; peak working set {before / 1e6:F0} MB before, {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB after."));

        // 10,000-row CSV import into the full table (every index) against the raw bulk write of the same rows.
        var imports = new List<double>();
        var raws = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var csv = InventoryBenchmarkData.Csv(10_000, $"IMP{i}X");
            using (var scope = app.Services.CreateScope())
            {
                var importer = scope.ServiceProvider.GetRequiredService<GpuImportService>();
                var watch = Stopwatch.StartNew();
                var result = await importer.ImportAsync(new MemoryStream(csv), ImportMode.Insert, dryRun: false, Actor.System);
                imports.Add(watch.Elapsed.TotalMilliseconds);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException(result.Errors[0].Message);
                }
            }

            await using var db = app.CreateDbContext();
            var models = await db.GpuModels.ToDictionaryAsync(x => x.Name);
            var fra = await db.Datacenters.Where(d => d.Code == "FRA1").Select(d => d.Id).SingleAsync();
            var iad = await db.Datacenters.Where(d => d.Code == "IAD1").Select(d => d.Id).SingleAsync();
            var rows = InventoryBenchmarkData.Entities(10_000, models, fra, iad, $"RAW{i}X");
            var raw = Stopwatch.StartNew();
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                await app.Database.Provider.BulkWriter.InsertAsync(db, rows, CancellationToken.None);
                await tx.CommitAsync();
            }

            raws.Add(raw.Elapsed.TotalMilliseconds);
        }

        await using (var db = app.CreateDbContext())
        {
            // A kept database (FLEET_BENCH_DATABASE) serves the next run too: the imported rows go, so each run reads the same fleet.
            await db.Gpus.Where(g => g.Serial.StartsWith("IMP") || g.Serial.StartsWith("RAW")).ExecuteDeleteAsync();
        }

        imports.Sort();
        raws.Sort();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"10,000-row CSV import into the full table: median {imports[1]:F0} ms; raw bulk write (binary COPY / prepared INSERT) {raws[1]:F0} ms; ratio {imports[1] / raws[1]:F1}×."));

        if (provider == TestDatabase.Postgres)
        {
            await using var db = app.CreateDbContext();
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = """
                SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname IN ('gpus', 'hosts') ORDER BY 2 DESC
                """;
            Line("");
            Line("| index | size MB |");
            Line("|---|---:|");
            long sum = 0;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    sum += reader.GetInt64(1);
                    Line(string.Create(CultureInfo.InvariantCulture, $"| {reader.GetString(0)} | {reader.GetInt64(1) / 1048576.0:F1} |"));
                }
            }

            command.CommandText = "SELECT pg_relation_size('gpus')";
            var table = (long)(await command.ExecuteScalarAsync())!;
            Line(string.Create(CultureInfo.InvariantCulture, $"| all indexes of gpus and hosts | {sum / 1048576.0:F1} (table gpus: {table / 1048576.0:F1}) |"));
        }

        Line($"\nload after: {File.ReadAllText("/proc/loadavg").Trim()}");
        await File.WriteAllTextAsync(output, report.ToString());
        return 0;
    }

    private static async Task<JsonElement> JsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement : throw new InvalidOperationException($"{url}: {text}");
    }

    private static async Task<(double Median, double P99, List<double> Samples)> TimeAsync(HttpClient client, string url, int runs)
    {
        for (var i = 0; i < 2; i++)
        {
            await JsonAsync(client, url);
        }

        var samples = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{url}: {(int)response.StatusCode}");
            }
        }

        var sorted = samples.Order().ToList();
        return (Percentile(sorted, 0.5), Percentile(sorted, 0.99), samples);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
