using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Benchmarks.Inventory;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Benchmarks.Search;

/// <summary>
/// The top bar's search (<c>GET /api/search</c>, every kind, prefix and substring) and the grid's multi-value filters with
/// cursor paging, through the real HTTP pipeline over a seeded demo fleet (seeded as <c>grid-sweep</c> seeds):
/// <c>dotnet run -c Release --project benchmarks/Fleet.Benchmarks -- search-sweep Postgres 10 21 out.md</c>
/// (provider, demo scale: 1 = 10,000 cards, runs per request, the Markdown report).
/// </summary>
public static class SearchSweep
{
    public static async Task<int> RunAsync(string[] args)
    {
        var provider = args.Length > 1 ? args[1] : TestDatabase.Postgres;
        var scale = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var runs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 11;
        var output = args.Length > 4 ? args[4] : "search-sweep.md";
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
        string serial, assetTag, uuid, po, host, vendor, tracking;
        await using (var db = app.CreateDbContext())
        {
            count = await db.Gpus.CountAsync();
            var g = await db.Gpus.Where(x => x.Uuid != null && x.HostId != null && x.PoNumber != null && x.AssetTag != null).OrderBy(x => x.Id)
                .Skip(count / 3).Select(x => new { x.Serial, x.AssetTag, x.Uuid, x.PoNumber, x.Host!.Hostname }).FirstAsync();
            (serial, assetTag, uuid, po, host) = (g.Serial, g.AssetTag!, g.Uuid!, g.PoNumber!, g.Hostname);
            vendor = await db.Vendors.OrderBy(v => v.Id).Select(v => v.Name).FirstAsync();
            tracking = await db.RmaCases.Where(c => c.TrackingNumber != null).OrderBy(c => c.Id).Select(c => c.TrackingNumber!).FirstAsync();
        }

        Line(string.Create(CultureInfo.InvariantCulture,
            $"## search-sweep {provider}, {count:N0} cards ({seeded}), {runs} runs per request, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Line($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        Line("");
        Line("| request | median ms | p99 ms |");
        Line("|---|---:|---:|");
        async Task Row(string name, string url)
        {
            var r = await TimeAsync(client, url, runs);
            Line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {r.Median:F1} | {r.P99:F1} |"));
        }

        (string Name, string Term)[] terms =
                 [
                     ("serial, whole", serial), ("serial prefix", serial[..^3]), ("serial substring", serial[3..^1]), ("asset tag", assetTag),
                     ("UUID fragment", uuid.Substring(9, 8)), ("PO number", po), ("host", host), ("host prefix (a rack)", host[..^3]),
                     ("host prefix (racks)", RackRow(host, 3)), ("host prefix (a rack row)", RackRow(host, 2)), ("host prefix (rack rows)", RackRow(host, 1)),
                     ("vendor", vendor[..5]), ("RMA tracking number", tracking[2..]), ("RMA case number", "RMA-12"), ("no match", "zz-no-such-thing"),
                 ];
        foreach (var (name, term) in terms)
        {
            await Row($"`/api/search?q={term}` ({name})", $"/api/search?q={Uri.EscapeDataString(term)}");
        }

        // The grid behind the top bar's "all matches": the inventory's search= filter, first page with its total.
        foreach (var (name, term) in terms.Where(t => t.Name is not ("vendor" or "RMA tracking number" or "RMA case number")))
        {
            await Row($"`/api/gpus?search={term}` ({name}), first page", $"/api/gpus?search={Uri.EscapeDataString(term)}&pageSize=50");
        }

        string[] filters =
        [
            "status=Failed&status=RmaPending", "status=Failed,RmaPending&datacenter=IAD1,FRA1", "status=InService,Maintenance&datacenter=IAD1",
            "model=H100%20SXM5%2080GB&model=H200%20SXM%20141GB&status=Failed,RmaPending,RmaShipped",
        ];
        foreach (var filter in filters)
        {
            foreach (var sort in new[] { "serial", "-receivedAt", "status" })
            {
                var url = $"/api/gpus?{filter}&sort={sort}&pageSize=50";
                await Row($"`{Uri.UnescapeDataString(filter)}&sort={sort}` first page", url);
                var first = await JsonAsync(client, url);
                if (first.GetProperty("next").GetString() is { } next)
                {
                    await Row("same, next page by `after=`", $"{url}&after={Uri.EscapeDataString(next)}");
                }
            }
        }

        Line($"\nload after: {File.ReadAllText("/proc/loadavg").Trim()}");
        await File.WriteAllTextAsync(output, report.ToString());
        return 0;
    }

    /// <summary>A host name's prefix up to <paramref name="digits"/> digits of its rack number: `fra1-r10790-h3`, 2 → `fra1-r10`.</summary>
    private static string RackRow(string host, int digits) => host[..(host.IndexOf("-r", StringComparison.Ordinal) + 2 + digits)];

    private static async Task<JsonElement> JsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement : throw new InvalidOperationException($"{url}: {text}");
    }

    private static async Task<(double Median, double P99)> TimeAsync(HttpClient client, string url, int runs)
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

        samples.Sort();
        return (samples[samples.Count / 2], samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(0.99 * samples.Count) - 1)]);
    }
}
