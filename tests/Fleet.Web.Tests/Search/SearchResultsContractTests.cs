using System.Globalization;
using System.Text.Json;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Tests.Api;

namespace Fleet.Web.Tests.Search;

/// <summary>
/// The top bar's card group is exactly the cards the grid's <c>search=</c> finds, first ones in serial order, on each
/// provider: checked against the grid itself and against the rule worked out here over every card (upper-cased
/// substring of serial, UUID, asset tag, PO number or host name), for every kind of term.
/// </summary>
public abstract class SearchResultsContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : DemoAppFixture
{
    private const int Limit = 5;

    private FleetWebFactory App => fixture.App;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Cards whose values are odd for LIKE: wildcards and the escape taken literally, non-ASCII letters.</summary>
    private async Task EnsureOddCardsAsync()
    {
        await using var db = App.CreateDbContext();
        if (await db.Gpus.AnyAsync(g => g.Serial == "ODD-1"))
        {
            return;
        }

        var model = await db.GpuModels.OrderBy(m => m.Id).Select(m => m.Id).FirstAsync();
        db.Gpus.AddRange(
            new Gpu { Serial = "ODD-1", GpuModelId = model, AssetTag = "AT-50%_OFF\\X" },
            new Gpu { Serial = "ODD-2", GpuModelId = model, AssetTag = "AT-50X-OFFYX" },
            new Gpu { Serial = "ODD-ÄÖ-3", GpuModelId = model, PoNumber = "PO-ÜBER-1" });
        await db.SaveChangesAsync();
    }

    /// <summary>The first serials the rule selects, and whether there are more.</summary>
    private async Task<(List<string> Serials, bool More)> ExpectedAsync(string term)
    {
        await using var db = App.CreateDbContext();
        var cards = await db.Gpus.AsNoTracking()
            .Select(g => new { g.Id, g.Serial, g.Uuid, g.AssetTag, g.PoNumber, Host = g.Host != null ? g.Host.Hostname : null }).ToListAsync();
        var upper = term.Trim().ToUpperInvariant();
        bool Has(string? value) => value is not null && value.ToUpperInvariant().Contains(upper, StringComparison.Ordinal);
        var matches = cards.Where(c => Has(c.Serial) || Has(c.Uuid) || Has(c.AssetTag) || Has(c.PoNumber) || Has(c.Host))
            .OrderBy(c => c.Serial, StringComparer.Ordinal).ThenBy(c => c.Id).Select(c => c.Serial).ToList();
        return ([.. matches.Take(Limit)], matches.Count > Limit);
    }

    private async Task<(List<string> Serials, bool More)> CardGroupAsync(string term)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var results = await JsonAsync(await client.GetAsync($"/api/search?q={Uri.EscapeDataString(term)}&limit={Limit}"));
        var group = results.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("kind").GetString() == "gpus").ToList();
        return group.Count == 0 ? ([], false)
            : ([.. group[0].GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("title").GetString()!)], group[0].GetProperty("more").GetBoolean());
    }

    private async Task<(List<string> Serials, int Total)> GridAsync(string term)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var page = await JsonAsync(await client.GetAsync($"/api/gpus?search={Uri.EscapeDataString(term)}&sort=serial&pageSize={Limit}&count=exact"));
        return ([.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!)], page.GetProperty("total").GetInt32());
    }

    public static TheoryData<string> Kinds() =>
    [
        "serial whole", "serial prefix", "serial substring", "serial substring lower case", "uuid fragment", "uuid upper case",
        "asset tag", "po number", "host", "host prefix", "host substring", "two characters",
    ];

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public async Task Search_EachKindOfTerm_CardGroupIsTheFirstMatchesInSerialOrder(string kind)
    {
        await EnsureOddCardsAsync();
        await using var db = App.CreateDbContext();
        var card = await db.Gpus.AsNoTracking().Where(g => g.Uuid != null && g.AssetTag != null && g.PoNumber != null && g.HostId != null)
            .OrderBy(g => g.Id).Skip(321).Select(g => new { g.Serial, g.Uuid, g.AssetTag, g.PoNumber, g.Host!.Hostname }).FirstAsync();
        var term = kind switch
        {
            "serial whole" => card.Serial,
            "serial prefix" => card.Serial[..^3],
            "serial substring" => card.Serial[3..^1],
            "serial substring lower case" => card.Serial[2..^2].ToLowerInvariant(),
            "uuid fragment" => card.Uuid![9..17].ToLowerInvariant(),
            "uuid upper case" => card.Uuid![14..23].ToUpperInvariant(),
            "asset tag" => card.AssetTag!,
            "po number" => card.PoNumber!,
            "host" => card.Hostname,
            "host prefix" => card.Hostname[..^3],
            "host substring" => card.Hostname[2..^2],
            _ => card.Serial[^2..],
        };

        var expected = await ExpectedAsync(term);
        Assert.NotEmpty(expected.Serials);
        var group = await CardGroupAsync(term);
        Assert.Equal(expected.Serials, group.Serials);
        Assert.Equal(expected.More, group.More);
        var grid = await GridAsync(term);
        Assert.Equal(expected.Serials, grid.Serials);
        Assert.Equal(expected.More, grid.Total > Limit);
    }

    [SkippableFact]
    public async Task Search_PoNumberOfMoreCardsThanTheLimit_FirstOnesAndMore()
    {
        await using var db = App.CreateDbContext();
        var po = await db.Gpus.Where(g => g.PoNumber != null).GroupBy(g => g.PoNumber).Where(g => g.Count() > Limit)
            .OrderBy(g => g.Key).Select(g => g.Key!).FirstAsync();
        var onOrder = await db.Gpus.Where(g => g.PoNumber == po).OrderBy(g => g.Serial).Select(g => g.Serial).ToListAsync();

        var (serials, more) = await CardGroupAsync(po);

        Assert.True(more);
        Assert.Equal(Limit, serials.Count);
        Assert.All(serials, s => Assert.Contains(s, onOrder));
        Assert.Equal(serials.Order(StringComparer.Ordinal), serials);
    }

    [SkippableTheory]
    [InlineData("%_", "ODD-1")]
    [InlineData("50%_off\\", "ODD-1")]
    [InlineData("F\\x", "ODD-1")]
    [InlineData("ÄÖ", "ODD-ÄÖ-3")]
    [InlineData("PO-ÜBER", "ODD-ÄÖ-3")]
    public async Task Search_LikeMetacharactersAndNonAscii_MatchLiterally(string term, string serial)
    {
        await EnsureOddCardsAsync();

        var (serials, more) = await CardGroupAsync(term);

        Assert.Equal(new[] { serial }, serials);
        Assert.False(more);
        var grid = await GridAsync(term);
        Assert.Equal(new[] { serial }, grid.Serials);
        Assert.Equal(1, grid.Total);
    }

    /// <summary>
    /// A term found in several columns (serials, UUIDs, PO numbers, hosts): on PostgreSQL each column's first rows are
    /// read from its own index and merged. Every page, by cursor forwards and backwards and by offset, is the rule's
    /// matches in the sort's order (nulls last, ties by id), and the total counts them all.
    /// </summary>
    /// <remarks>
    /// "002" matches few cards in each column; "00" matches more than 2,000 serials or asset tags, so each branch's
    /// first rows come from many matches.
    /// </remarks>
    [SkippableTheory]
    [InlineData("002", "serial")]
    [InlineData("002", "-serial")]
    [InlineData("002", "unitCost")]
    [InlineData("002", "-receivedAt")]
    [InlineData("00", "serial")]
    [InlineData("00", "-receivedAt")]
    public async Task Search_TermInSeveralColumns_EveryPageIsTheMatchesInSortOrder(string term, string sort)
    {
        const int size = 9;
        await using var db = App.CreateDbContext();
        var cards = await db.Gpus.AsNoTracking()
            .Select(g => new { g.Id, g.Serial, g.Uuid, g.AssetTag, g.PoNumber, g.UnitCost, g.ReceivedAt, Host = g.Host != null ? g.Host.Hostname : null })
            .ToListAsync();
        bool Has(string? value) => value is not null && value.ToUpperInvariant().Contains(term, StringComparison.Ordinal);
        var matches = cards.Where(c => Has(c.Serial) || Has(c.Uuid) || Has(c.AssetTag) || Has(c.PoNumber) || Has(c.Host)).ToList();
        if (term == "002")
        {
            Assert.Contains(matches, c => Has(c.PoNumber) && !Has(c.Serial));
            Assert.Contains(matches, c => Has(c.Serial) && !Has(c.PoNumber));
        }

        var expected = (sort switch
        {
            "serial" => matches.OrderBy(c => c.Serial, StringComparer.Ordinal).ThenBy(c => c.Id),
            "-serial" => matches.OrderByDescending(c => c.Serial, StringComparer.Ordinal).ThenByDescending(c => c.Id),
            "unitCost" => matches.OrderBy(c => c.UnitCost is null).ThenBy(c => c.UnitCost).ThenBy(c => c.Id),
            _ => matches.OrderBy(c => c.ReceivedAt is null).ThenByDescending(c => c.ReceivedAt).ThenByDescending(c => c.Id),
        }).Select(c => c.Serial).ToList();
        Assert.True(expected.Count > 5 * size, $"{expected.Count} matches");
        Assert.Equal(term == "00", cards.Count(c => Has(c.Serial)) > 2000 || cards.Count(c => Has(c.AssetTag)) > 2000);

        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        async Task<JsonElement> Page(string query) =>
            await JsonAsync(await client.GetAsync($"/api/gpus?search={term}&sort={sort}&pageSize={size}&count=exact{query}"));
        static List<string> Serials(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!)];

        var pages = new List<JsonElement> { await Page("") };
        Assert.Equal(expected.Count, pages[0].GetProperty("total").GetInt32());
        for (var k = 1; k < 5; k++)
        {
            pages.Add(await Page("&after=" + Uri.EscapeDataString(pages[^1].GetProperty("next").GetString()!)));
        }

        for (var k = 0; k < pages.Count; k++)
        {
            Assert.Equal(expected.Skip(k * size).Take(size), Serials(pages[k]));
        }

        var back = await Page("&before=" + Uri.EscapeDataString(pages[4].GetProperty("previous").GetString()!));
        Assert.Equal(expected.Skip(3 * size).Take(size), Serials(back));
        Assert.Equal(expected.Skip(3 * size).Take(size), Serials(await Page("&page=4")));
        var last = await Page("&before=" + Uri.EscapeDataString(pages[0].GetProperty("last").GetString()!));
        Assert.Equal(expected.TakeLast(size), Serials(last));
    }

    /// <summary>A search together with status and model filters (SQLite's full-text path and PostgreSQL's branches alike).</summary>
    [SkippableFact]
    public async Task Search_WithStatusAndModelFilters_FindsTheCardsOfBoth()
    {
        await using var db = App.CreateDbContext();
        var card = await db.Gpus.AsNoTracking().Where(g => g.Status == GpuStatus.Failed).OrderBy(g => g.Id)
            .Select(g => new { g.Serial, Model = g.Model!.Name }).FirstAsync();
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        async Task<JsonElement> Grid(string filters) =>
            await JsonAsync(await client.GetAsync($"/api/gpus?search={card.Serial}&{filters}&count=exact"));

        var found = await Grid($"status=Failed,RmaPending&model={Uri.EscapeDataString(card.Model)}");
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        Assert.Equal(card.Serial, found.GetProperty("items")[0].GetProperty("serial").GetString());
        Assert.Equal(card.Serial, (await Grid("status=Failed&sort=-host")).GetProperty("items")[0].GetProperty("serial").GetString());
        Assert.Equal(0, (await Grid("status=InService")).GetProperty("total").GetInt32());
    }

    /// <summary>
    /// Terms naming a few hosts, more than SQLite turns into an id list (2,000) and more than PostgreSQL reads card by card
    /// (6,000: past that its host branch walks the sort's index) find exactly the cards on them, with exact totals.
    /// </summary>
    [SkippableTheory]
    [InlineData("wide-row-", 4)]
    [InlineData("WIDE-ROW-2", 1)]
    [InlineData("row-0", 2)]
    [InlineData("-row-6", 1)]
    [InlineData("wide-row-6050", 1)]
    public async Task Search_TermNamingManyHosts_FindsTheCardsOnThem(string term, int cards)
    {
        await using (var db = App.CreateDbContext())
        {
            if (!await db.Hosts.AnyAsync(h => h.Hostname == "wide-row-0000"))
            {
                var rack = await db.Racks.OrderBy(r => r.Id).Select(r => r.Id).FirstAsync();
                var model = await db.GpuModels.OrderBy(m => m.Id).Select(m => m.Id).FirstAsync();
                var hosts = Enumerable.Range(0, 6_100).Select(i => new Host { RackId = rack, Hostname = $"wide-row-{i:D4}" }).ToList();
                db.Hosts.AddRange(hosts);
                await db.SaveChangesAsync();
                db.Gpus.AddRange(
                    new Gpu { Serial = "WIDE-C", GpuModelId = model, HostId = hosts[7].Id, Slot = 0 },
                    new Gpu { Serial = "WIDE-A", GpuModelId = model, HostId = hosts[2_050].Id, Slot = 1 },
                    new Gpu { Serial = "WIDE-D", GpuModelId = model, HostId = hosts[6_050].Id, Slot = 0 },
                    new Gpu { Serial = "WIDE-B", GpuModelId = model, HostId = hosts[990].Id, Slot = 0 });
                await db.SaveChangesAsync();
            }
        }

        var expected = await ExpectedAsync(term);
        Assert.Equal(cards, expected.Serials.Count);
        Assert.Equal(expected.Serials, (await CardGroupAsync(term)).Serials);
        var grid = await GridAsync(term);
        Assert.Equal(expected.Serials, grid.Serials);
        Assert.Equal(cards, grid.Total);
    }

    [SkippableFact]
    public async Task Search_TermMatchingNothing_NoCardGroup()
    {
        var (serials, more) = await CardGroupAsync("zz-no-such-thing");

        Assert.Empty(serials);
        Assert.False(more);
        Assert.Empty((await GridAsync("zz-no-such-thing")).Serials);
    }
}

public sealed class SqliteSearchResultsTests(SqliteDemoAppFixture fixture) : SearchResultsContractTests<SqliteDemoAppFixture>(fixture);

public sealed class PostgresSearchResultsTests(PostgresDemoAppFixture fixture) : SearchResultsContractTests<PostgresDemoAppFixture>(fixture);
