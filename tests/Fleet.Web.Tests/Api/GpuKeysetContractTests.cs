using System.Globalization;
using System.Net;
using System.Text.Json;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Web.Tests.Api;

/// <summary>A demo fleet of its own (the tests write to it), with estimates above 1,000 matches.</summary>
public abstract class KeysetAppFixture(string provider)
    : SharedAppFixture(provider, seedDemo: true, new Dictionary<string, string> { ["Fleet:Inventory:ExactCountLimit"] = "1000" });

public sealed class SqliteKeysetAppFixture() : KeysetAppFixture(TestDatabase.Sqlite);

public sealed class PostgresKeysetAppFixture() : KeysetAppFixture(TestDatabase.Postgres);

/// <summary>Keyset paging of <c>GET /api/gpus</c>: cursors, their tamper check, and estimated totals, on each provider.</summary>
public abstract class GpuKeysetContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : KeysetAppFixture
{
    private FleetWebFactory App => fixture.App;

    /// <summary>Whether the provider's planner estimates large matches (PostgreSQL); SQLite always counts.</summary>
    protected abstract bool Estimates { get; }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    private static string? Cursor(JsonElement page, string name) =>
        page.GetProperty(name).ValueKind == JsonValueKind.Null ? null : page.GetProperty(name).GetString();

    /// <summary>Walks every page with <c>after=</c>, running <paramref name="between"/> after each page.</summary>
    private static async Task<List<JsonElement>> WalkAsync(HttpClient client, string query, Func<Task> between)
    {
        var all = new List<JsonElement>();
        var page = await JsonAsync(await client.GetAsync($"/api/gpus?{query}"));
        for (var guard = 0; guard < 1000; guard++)
        {
            all.AddRange(Items(page));
            await between();
            if (Cursor(page, "next") is not { } next)
            {
                return all;
            }

            page = await JsonAsync(await client.GetAsync($"/api/gpus?{query}&after={Uri.EscapeDataString(next)}"));
        }

        throw new InvalidOperationException("The pages never ended.");
    }

    [SkippableTheory]
    [InlineData("sort=serial")]
    [InlineData("sort=-unitCost")]
    [InlineData("sort=receivedAt&status=InService")]
    [InlineData("sort=-warrantyEndsAt&datacenter=IAD1")]
    public async Task ListGpus_KeysetPagesWhileCardsAreInsertedAndMoved_EveryCardOnceInOrder(string query)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var filter = query.Contains("status=InService", StringComparison.Ordinal) ? (Func<Gpu, bool>)(g => g.Status == GpuStatus.InService)
            : query.Contains("IAD1", StringComparison.Ordinal) ? g => g.Datacenter?.Code == "IAD1" : _ => true;
        await using var db = App.CreateDbContext();
        var before = (await db.Gpus.AsNoTracking().Include(g => g.Datacenter).ToListAsync()).Where(filter).Select(g => g.Serial).ToHashSet();
        var modelId = await db.Gpus.Select(g => g.GpuModelId).FirstAsync();
        var iad = await db.Datacenters.Where(d => d.Code == "IAD1").Select(d => d.Id).SingleAsync();
        var hosts = await db.Hosts.Select(h => h.Id).Take(50).ToListAsync();
        var tag = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var round = 0;

        // Each page is followed by writes: cards that sort before and after the position, and cards moved to another
        // host and status that keep their sort key. Offset paging would show some cards twice or skip them.
        async Task WriteAsync()
        {
            round++;
            await using var w = App.CreateDbContext();
            foreach (var (prefix, cost, day) in new[] { ("AAA", 1m, 1), ("ZZZ", 999_999m, 27) })
            {
                w.Gpus.Add(new Gpu(GpuStatus.InService)
                {
                    Serial = string.Create(CultureInfo.InvariantCulture, $"{prefix}{tag}{round:D4}"), GpuModelId = modelId, DatacenterId = iad,
                    UnitCost = round % 2 == 0 ? cost : null, Currency = "USD",
                    ReceivedAt = new DateTime(2020 + (round % 9), 1, day, 0, 0, 0, DateTimeKind.Utc),
                    WarrantyEndsAt = round % 3 == 0 ? null : new DateTime(2030 - (round % 9), 1, day, 0, 0, 0, DateTimeKind.Utc),
                });
            }

            await w.SaveChangesAsync();
            var host = hosts[round % hosts.Count];
            await w.Gpus.Where(g => g.Id % 97 == round % 97 && g.Status != GpuStatus.InService && g.Status != GpuStatus.Maintenance)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.HostId, host).SetProperty(g => g.Slot, (int?)null));
        }

        // And a writer that runs at the same time as the paging.
        using var stop = new CancellationTokenSource();
        var background = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var w = App.CreateDbContext();
                n++;
                w.Gpus.Add(new Gpu(GpuStatus.InService)
                {
                    Serial = string.Create(CultureInfo.InvariantCulture, $"BG{tag}{n:D5}"), GpuModelId = modelId, DatacenterId = iad,
                    UnitCost = 20_000m + n, Currency = "USD", ReceivedAt = new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(n),
                    WarrantyEndsAt = new DateTime(2027, 6, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(n),
                });
                await w.SaveChangesAsync();
                await w.Gpus.Where(g => g.Id % 89 == n % 89 && g.Status == GpuStatus.Validated)
                    .ExecuteUpdateAsync(s => s.SetProperty(g => g.HostId, hosts[n % hosts.Count]));
                await Task.Delay(5);
            }
        });

        List<JsonElement> seen;
        try
        {
            seen = await WalkAsync(client, query + "&pageSize=250", WriteAsync);
        }
        finally
        {
            await stop.CancelAsync();
            await background;
        }

        var serials = seen.Select(i => i.GetProperty("serial").GetString()!).ToList();
        Assert.Equal(serials.Count, serials.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(before.Except(serials, StringComparer.Ordinal));
        Assert.True(round > 10, $"only {round} pages");

        // In order: the sort key never goes back, cards without one come last.
        var field = query.Split('&')[0]["sort=".Length..];
        var descending = field.StartsWith('-');
        field = field.TrimStart('-');
        var keys = seen.Select(i => i.GetProperty(field)).ToList();
        var firstEmpty = keys.FindIndex(k => k.ValueKind == JsonValueKind.Null);
        if (firstEmpty >= 0)
        {
            Assert.All(keys.Skip(firstEmpty), k => Assert.Equal(JsonValueKind.Null, k.ValueKind));
        }

        var values = keys.Where(k => k.ValueKind != JsonValueKind.Null).ToList();
        for (var i = 1; i < values.Count; i++)
        {
            var c = values[i].ValueKind == JsonValueKind.Number
                ? values[i - 1].GetDecimal().CompareTo(values[i].GetDecimal())
                : string.CompareOrdinal(values[i - 1].GetString(), values[i].GetString());
            Assert.True(descending ? c >= 0 : c <= 0, $"{field} out of order at {i}: {values[i - 1]} then {values[i]}");
        }
    }

    [SkippableTheory]
    [InlineData("model")]
    [InlineData("-datacenter")]
    [InlineData("status")]
    [InlineData("-host")]
    [InlineData("uuid")]
    [InlineData("-assetTag")]
    [InlineData("poNumber")]
    public async Task ListGpus_KeysetPages_MatchTheOffsetPagesForEverySort(string sort)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        const string filter = "status=Failed&pageSize=40";
        var offset = new List<string>();
        for (var page = 1; ; page++)
        {
            var items = Items(await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&sort={sort}&page={page}")));
            offset.AddRange(items.Select(i => i.GetProperty("serial").GetString()!));
            if (items.Count < 40)
            {
                break;
            }
        }

        var keyset = (await WalkAsync(client, $"{filter}&sort={sort}", () => Task.CompletedTask)).Select(i => i.GetProperty("serial").GetString()!).ToList();
        Assert.True(offset.Count > 40);
        Assert.Equal(offset, keyset);

        // Backwards from the end with before= gives the same cards in the same order.
        var back = new List<string>();
        var last = await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&sort={sort}"));
        string? before = Cursor(last, "last");
        while (before is not null)
        {
            var page = await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&sort={sort}&before={Uri.EscapeDataString(before)}"));
            back.InsertRange(0, Items(page).Select(i => i.GetProperty("serial").GetString()!));
            before = Cursor(page, "previous");
        }

        Assert.Equal(offset, back);
    }

    /// <summary>
    /// Filters with several values (a page then reads one range per combination of status, datacenter and model and
    /// merges them): for every sort, both ways, the first page, the next by <c>after=</c> and the third by offset are
    /// the matching cards in the order worked out here (key, then id; cards without a key last; names for status,
    /// model and datacenter). A card with no datacenter is among the matches.
    /// </summary>
    [SkippableTheory]
    [InlineData("status=Failed,RmaPending&model={0},{1}")]
    [InlineData("datacenter=IAD1,FRA1&status=Failed")]
    [InlineData("model={1}&status=RmaPending,Failed,Retired")]
    public async Task ListGpus_FilteredBySeveralValues_EveryPageIsTheMatchesInSortOrder(string template)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        await using var db = App.CreateDbContext();
        var models = await db.Gpus.GroupBy(g => g.Model!.Name).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(2).ToListAsync();
        var query = string.Format(CultureInfo.InvariantCulture, template, Uri.EscapeDataString(models[0]), Uri.EscapeDataString(models[1]));
        var modelId = await db.GpuModels.Where(m => m.Name == models[1]).Select(m => m.Id).SingleAsync();
        var loose = "NODC" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        db.Gpus.Add(new Gpu(GpuStatus.Failed) { Serial = loose, GpuModelId = modelId, Currency = "USD", UnitCost = 1234.5m });
        await db.SaveChangesAsync();

        var statuses = Values("status").Select(Enum.Parse<GpuStatus>).ToList();
        var datacenters = Values("datacenter");
        var names = Values("model");
        var cards = (await db.Gpus.AsNoTracking().Include(g => g.Model).Include(g => g.Datacenter).Include(g => g.Host).ToListAsync())
            .Where(g => (statuses.Count == 0 || statuses.Contains(g.Status))
                && (datacenters.Count == 0 || (g.Datacenter is not null && datacenters.Contains(g.Datacenter.Code)))
                && (names.Count == 0 || names.Contains(g.Model!.Name)))
            .ToList();
        Assert.True(cards.Count >= 90, $"{query}: {cards.Count} matches");
        Assert.Equal(datacenters.Count == 0, cards.Any(g => g.Serial == loose));

        var keys = new Dictionary<string, Func<Gpu, IComparable?>>
        {
            ["serial"] = g => g.Serial, ["uuid"] = g => g.Uuid, ["assetTag"] = g => g.AssetTag, ["poNumber"] = g => g.PoNumber,
            ["host"] = g => g.Host?.Hostname, ["unitCost"] = g => g.UnitCost, ["receivedAt"] = g => g.ReceivedAt,
            ["warrantyEndsAt"] = g => g.WarrantyEndsAt, ["model"] = g => g.Model!.Name, ["status"] = g => g.Status.ToString(),
            ["datacenter"] = g => g.Datacenter?.Code,
        };
        foreach (var (field, key) in keys)
        {
            foreach (var descending in new[] { false, true })
            {
                int Compare(Gpu a, Gpu b)
                {
                    var (x, y) = (key(a), key(b));
                    if (x is null || y is null)
                    {
                        return x is null && y is null ? (descending ? b.Id.CompareTo(a.Id) : a.Id.CompareTo(b.Id)) : x is null ? 1 : -1;
                    }

                    var c = x is string sx ? string.CompareOrdinal(sx, (string)y) : x.CompareTo(y);
                    c = c != 0 ? c : a.Id.CompareTo(b.Id);
                    return descending ? -c : c;
                }

                var expected = cards.ToList();
                expected.Sort(Compare);
                var sort = (descending ? "-" : "") + field;
                var first = await JsonAsync(await client.GetAsync($"/api/gpus?{query}&sort={sort}&pageSize=30"));
                var second = await JsonAsync(await client.GetAsync(
                    $"/api/gpus?{query}&sort={sort}&pageSize=30&after={Uri.EscapeDataString(Cursor(first, "next")!)}"));
                var third = await JsonAsync(await client.GetAsync($"/api/gpus?{query}&sort={sort}&pageSize=30&page=3"));
                var seen = new[] { first, second, third }.SelectMany(p => Items(p).Select(i => i.GetProperty("serial").GetString())).ToList();
                Assert.True(expected.Take(90).Select(g => g.Serial).SequenceEqual(seen), $"{query}&sort={sort}: pages differ from the expected order");
                Assert.Equal(cards.Count, first.GetProperty("total").GetInt32());
            }
        }

        List<string> Values(string name) =>
            [.. query.Split('&').Where(p => p.StartsWith(name + "=", StringComparison.Ordinal))
                .SelectMany(p => Uri.UnescapeDataString(p[(name.Length + 1)..]).Split(','))];
    }

    [SkippableFact]
    public async Task ListGpus_TamperedCursor_Is400ProblemNamingIt()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var page = await JsonAsync(await client.GetAsync("/api/gpus?sort=serial&pageSize=10"));
        var next = Cursor(page, "next")!;
        var flipped = next[..^3] + (next[^3] == 'A' ? 'B' : 'A') + next[^2..];
        foreach (var (bad, parameter) in new[] { (flipped, "after"), ("not-a-cursor", "before"), (next + "x", "after") })
        {
            var response = await client.GetAsync($"/api/gpus?sort=serial&pageSize=10&{parameter}={Uri.EscapeDataString(bad)}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(parameter, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A genuine cursor for another sort or other filters is refused too, not silently misread.
        var otherSort = await client.GetAsync($"/api/gpus?sort=-serial&pageSize=10&after={Uri.EscapeDataString(next)}");
        Assert.Equal(HttpStatusCode.BadRequest, otherSort.StatusCode);
        var otherFilter = await client.GetAsync($"/api/gpus?sort=serial&status=Failed&pageSize=10&after={Uri.EscapeDataString(next)}");
        Assert.Equal(HttpStatusCode.BadRequest, otherFilter.StatusCode);
        Assert.Contains("after", await otherFilter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ListGpus_LargeMatch_EstimateIsLabelledAndExactOnRequest()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        await using var db = App.CreateDbContext();
        var count = await db.Gpus.CountAsync();
        Assert.True(count > 1000);

        var page = await JsonAsync(await client.GetAsync("/api/gpus?pageSize=5"));
        Assert.Equal(Estimates, page.GetProperty("totalIsEstimate").GetBoolean());
        var total = page.GetProperty("total").GetInt32();
        if (Estimates)
        {
            Assert.InRange(total, count / 2, count * 2);
        }
        else
        {
            Assert.Equal(count, total);
        }

        var exact = await JsonAsync(await client.GetAsync("/api/gpus?pageSize=5&count=exact"));
        Assert.False(exact.GetProperty("totalIsEstimate").GetBoolean());
        Assert.Equal(count, exact.GetProperty("total").GetInt32());

        // A small match is counted exactly without asking.
        var failed = await db.Gpus.CountAsync(g => g.Status == GpuStatus.Failed && g.Datacenter!.Code == "FRA1");
        Assert.InRange(failed, 1, 999);
        var small = await JsonAsync(await client.GetAsync("/api/gpus?status=Failed&datacenter=FRA1&pageSize=5"));
        Assert.False(small.GetProperty("totalIsEstimate").GetBoolean());
        Assert.Equal(failed, small.GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/gpus?count=roughly")).StatusCode);
    }

    [SkippableFact]
    public async Task ListGpus_SearchByPoNumberAndSerialPrefix_FindsTheCards()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        await using var db = App.CreateDbContext();
        var card = await db.Gpus.Where(g => g.PoNumber != null && g.Status == GpuStatus.Validated).OrderBy(g => g.Id)
            .Select(g => new { g.Serial, g.PoNumber }).FirstAsync();
        var byPo = await db.Gpus.CountAsync(g => g.PoNumber == card.PoNumber);
        var page = await JsonAsync(await client.GetAsync($"/api/gpus?search={Uri.EscapeDataString(card.PoNumber!.ToLowerInvariant())}&pageSize=500&count=exact"));
        Assert.True(page.GetProperty("total").GetInt32() >= byPo);
        Assert.All(Items(page), i => Assert.Contains(card.PoNumber, string.Join(' ', i.GetProperty("poNumber").GetString(),
            i.GetProperty("serial").GetString(), i.GetProperty("assetTag").GetString(), i.GetProperty("uuid").GetString()), StringComparison.OrdinalIgnoreCase));

        var prefix = card.Serial[..^2];
        var serials = Items(await JsonAsync(await client.GetAsync($"/api/gpus?search={prefix}&pageSize=500"))).Select(i => i.GetProperty("serial").GetString()).ToList();
        Assert.Contains(card.Serial, serials);

        // LIKE's own wildcards are searched for literally.
        Assert.Equal(0, (await JsonAsync(await client.GetAsync("/api/gpus?search=%25_%25"))).GetProperty("total").GetInt32());
    }
}

public sealed class SqliteGpuKeysetTests(SqliteKeysetAppFixture fixture) : GpuKeysetContractTests<SqliteKeysetAppFixture>(fixture)
{
    protected override bool Estimates => false;
}

public sealed class PostgresGpuKeysetTests(PostgresKeysetAppFixture fixture) : GpuKeysetContractTests<PostgresKeysetAppFixture>(fixture)
{
    protected override bool Estimates => true;
}
