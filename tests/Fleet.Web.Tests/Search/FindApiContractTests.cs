using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Tests.Api;

namespace Fleet.Web.Tests.Search;

/// <summary>
/// Finding things over the demo fleet, on each provider: <c>GET /api/search</c>, multi-value filters of
/// <c>GET /api/gpus</c> (with keyset cursors) and saved views (<c>/api/views</c>).
/// </summary>
public abstract class FindApiContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : DemoAppFixture
{
    private FleetWebFactory App => fixture.App;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>The titles of the hits of one kind, or none when the kind has no group.</summary>
    private static List<string> Titles(JsonElement results, string kind) =>
        [.. results.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("kind").GetString() == kind)
            .SelectMany(g => g.GetProperty("hits").EnumerateArray()).Select(h => h.GetProperty("title").GetString()!)];

    private static List<string> Hrefs(JsonElement results, string kind) =>
        [.. results.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("kind").GetString() == kind)
            .SelectMany(g => g.GetProperty("hits").EnumerateArray()).Select(h => h.GetProperty("href").GetString()!)];

    private async Task<JsonElement> SearchAsync(string term, int limit = 50)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        return await JsonAsync(await client.GetAsync($"/api/search?q={Uri.EscapeDataString(term)}&limit={limit}"));
    }

    [SkippableFact]
    public async Task Search_CardBySerialPrefixSubstringUuidAssetTagAndPo_FindsItWithItsLink()
    {
        await using var db = App.CreateDbContext();
        var card = await db.Gpus.AsNoTracking().Where(g => g.Uuid != null && g.AssetTag != null && g.PoNumber != null).OrderBy(g => g.Id).Skip(123)
            .Select(g => new { g.Serial, g.Uuid, g.AssetTag, g.PoNumber }).FirstAsync();

        foreach (var term in new[] { card.Serial, card.Serial[..^2], card.Serial[3..^1].ToLowerInvariant(), card.Uuid![5..18], card.AssetTag! })
        {
            var results = await SearchAsync(term);
            Assert.Contains(card.Serial, Titles(results, "gpus"));
            Assert.Contains($"gpus/{card.Serial}", Hrefs(results, "gpus"));
        }

        // A PO number finds the order (its page) and the cards received against it.
        var po = await SearchAsync(card.PoNumber!);
        Assert.Equal(new[] { card.PoNumber! }, Titles(po, "orders"));
        Assert.Equal(new[] { $"procurement/orders/{card.PoNumber}" }, Hrefs(po, "orders"));
        Assert.NotEmpty(Titles(po, "gpus"));
        var onOrder = await db.Gpus.CountAsync(g => g.PoNumber == card.PoNumber);
        var gpus = po.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("kind").GetString() == "gpus");
        Assert.Equal(onOrder > 50, gpus.GetProperty("more").GetBoolean());
    }

    [SkippableFact]
    public async Task Search_HostVendorAndRmaCase_ByPrefixAndSubstring_FindsEach()
    {
        await using var db = App.CreateDbContext();
        var host = await db.Hosts.AsNoTracking().OrderBy(h => h.Id).Skip(7).Select(h => h.Hostname).FirstAsync();
        Assert.Contains(host, Titles(await SearchAsync(host[..^1]), "hosts"));
        Assert.Contains(host, Titles(await SearchAsync(host[2..]), "hosts"));

        var vendor = await db.Vendors.AsNoTracking().OrderBy(v => v.Id).Select(v => v.Name).FirstAsync();
        Assert.Contains(vendor, Titles(await SearchAsync(vendor[..4]), "vendors"));
        Assert.Contains(vendor, Titles(await SearchAsync(vendor[2..^2].ToUpperInvariant()), "vendors"));

        var rma = await db.RmaCases.AsNoTracking().Where(c => c.TrackingNumber != null).OrderBy(c => c.Id)
            .Select(c => new { c.Id, c.TrackingNumber }).FirstAsync();
        var title = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RMA {rma.Id}");
        Assert.Contains(title, Titles(await SearchAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RMA-{rma.Id}")), "rma"));
        Assert.Contains(title, Titles(await SearchAsync(rma.TrackingNumber![..^1]), "rma"));
        Assert.Contains(title, Titles(await SearchAsync(rma.TrackingNumber[3..]), "rma"));
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rma/{rma.Id}"),
            Hrefs(await SearchAsync(rma.TrackingNumber), "rma"));
    }

    [SkippableFact]
    public async Task Search_NothingMatches_NoGroups()
    {
        var results = await SearchAsync("no-such-thing-anywhere");
        Assert.Equal(0, results.GetProperty("groups").GetArrayLength());
    }

    [SkippableFact]
    public async Task Search_Roles_EveryReaderAllowedAgentAndAnonymousRefused()
    {
        foreach (var role in Roles.Readers)
        {
            using var client = await App.ClientForRoleAsync(role);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/search?q=iad1")).StatusCode);
        }

        using var agent = await App.ClientForRoleAsync(Roles.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/search?q=iad1")).StatusCode);
        using var anonymous = App.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/search?q=iad1")).StatusCode);
    }

    [SkippableFact]
    public async Task Search_OneCharacter_Is400NamingQ()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var response = await client.GetAsync("/api/search?q=a");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"q\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("status=Failed&status=RmaPending&datacenter=IAD1")]
    [InlineData("status=Failed,RmaPending&datacenter=iad1")]
    [InlineData("status=rmapending&status=Failed,failed&datacenter=IAD1")]
    public async Task ListGpus_SeveralStatuses_ExactlyTheCardsWithAnyOfThem(string filter)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var page = await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&pageSize=500&sort=serial"));
        await using var db = App.CreateDbContext();
        var expected = await db.Gpus.AsNoTracking()
            .Where(g => (g.Status == GpuStatus.Failed || g.Status == GpuStatus.RmaPending) && g.Datacenter!.Code == "IAD1")
            .Select(g => g.Serial).ToListAsync();
        Assert.InRange(expected.Count, 2, 500);
        Assert.Equal(expected.Count, page.GetProperty("total").GetInt32());
        Assert.Equal(expected.Order(StringComparer.Ordinal), page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!));
    }

    [SkippableFact]
    public async Task ListGpus_SeveralModelsAndDatacenters_ExactlyTheirCards()
    {
        await using var db = App.CreateDbContext();
        var models = await db.Gpus.GroupBy(g => g.Model!.Name).OrderBy(g => g.Count()).Select(g => g.Key).Take(2).ToListAsync();
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var page = await JsonAsync(await client.GetAsync(
            $"/api/gpus?model={Uri.EscapeDataString(models[0])}&model={Uri.EscapeDataString(models[1])}&datacenter=IAD1,FRA1&status=InService&pageSize=1&count=exact"));
        var expected = await db.Gpus.CountAsync(g => models.Contains(g.Model!.Name) && g.DatacenterId != null
            && (g.Datacenter!.Code == "IAD1" || g.Datacenter.Code == "FRA1") && g.Status == GpuStatus.InService);
        Assert.True(expected > 0);
        Assert.Equal(expected, page.GetProperty("total").GetInt32());
    }

    [SkippableFact]
    public async Task ListGpus_UnknownValueInAList_Is400NamingIt()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var response = await client.GetAsync("/api/gpus?status=Failed&status=Broken");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Broken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("sort=serial")]
    [InlineData("sort=-receivedAt")]
    [InlineData("sort=status")]
    public async Task ListGpus_CursorPagingWithAMultiFilter_EveryMatchOnceInOrder(string sort)
    {
        const string filter = "status=Failed&status=RmaPending&datacenter=IAD1,FRA1";
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var offset = await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&{sort}&pageSize=500"));
        var expected = offset.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!).ToList();
        await using var db = App.CreateDbContext();
        var count = await db.Gpus.CountAsync(g => (g.Status == GpuStatus.Failed || g.Status == GpuStatus.RmaPending)
            && (g.Datacenter!.Code == "IAD1" || g.Datacenter.Code == "FRA1"));
        Assert.InRange(count, 60, 500);
        Assert.Equal(count, expected.Count);

        var walked = new List<string>();
        var page = await JsonAsync(await client.GetAsync($"/api/gpus?{filter}&{sort}&pageSize=25"));
        var pages = 1;
        while (true)
        {
            walked.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!));
            if (page.GetProperty("next").GetString() is not { } next)
            {
                break;
            }

            // The same set of values, written another way, is the same filter: the cursor goes on working.
            var again = pages % 2 == 0 ? filter : "datacenter=fra1&datacenter=iad1&status=RmaPending,failed";
            page = await JsonAsync(await client.GetAsync($"/api/gpus?{again}&{sort}&pageSize=25&after={Uri.EscapeDataString(next)}"));
            pages++;
        }

        Assert.True(pages >= 3);
        Assert.Equal(expected, walked);
    }

    [SkippableFact]
    public async Task ListGpus_CursorOfAnotherValueSet_Is400()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var page = await JsonAsync(await client.GetAsync("/api/gpus?status=Failed,RmaPending&pageSize=5"));
        var next = Uri.EscapeDataString(page.GetProperty("next").GetString()!);
        var response = await client.GetAsync($"/api/gpus?status=Failed&pageSize=5&after={next}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("after", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Views_SavedByOneUser_ListedForThemOnlyAndDeletable()
    {
        using var mine = await App.ClientForRoleAsync(Roles.Technician);
        using var other = await App.ClientForRoleAsync(Roles.Finance);
        var name = "Failed H100s in IAD1 " + Guid.NewGuid().ToString("N")[..6];
        const string query = "status=Failed&datacenter=IAD1&model=H100%20SXM5%2080GB&sort=-receivedAt&columns=model,status,host";
        var created = await mine.PostAsJsonAsync("/api/views", new { name, query });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await JsonAsync(created);
        var id = view.GetProperty("id").GetInt32();
        Assert.Equal($"/api/views/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("gpus?" + query, view.GetProperty("href").GetString());

        var listed = await JsonAsync(await mine.GetAsync("/api/views"));
        Assert.Contains(listed.EnumerateArray(), v => v.GetProperty("name").GetString() == name && v.GetProperty("query").GetString() == query);
        var theirs = await JsonAsync(await other.GetAsync("/api/views"));
        Assert.DoesNotContain(theirs.EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);

        // Another user may use the same name, and may not delete this one.
        Assert.Equal(HttpStatusCode.Created, (await other.PostAsJsonAsync("/api/views", new { name, query = "status=Failed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/views/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await mine.DeleteAsync($"/api/views/{id}")).StatusCode);
        Assert.DoesNotContain((await JsonAsync(await mine.GetAsync("/api/views"))).EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);
    }

    [SkippableFact]
    public async Task Views_DuplicateNameForTheSameUser_Is422AndNothingSaved()
    {
        using var client = await App.ClientForRoleAsync(Roles.Procurement);
        var name = "In service " + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/views", new { name, query = "status=InService" })).StatusCode);
        var duplicate = await client.PostAsJsonAsync("/api/views", new { name = " " + name.ToUpperInvariant() + " ", query = "status=Failed" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, duplicate.StatusCode);
        var problem = await duplicate.Content.ReadAsStringAsync();
        Assert.Contains("already have a view named", problem, StringComparison.Ordinal);
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.SavedViews.CountAsync(v => v.NormalizedName == name.ToUpperInvariant()));
    }

    [SkippableFact]
    public async Task Views_UnknownParameterOrSort_Is400()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/views", new { name = "x1", query = "color=red" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/views", new { name = "x2", query = "sort=-price" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync("/api/views", new { name = " ", query = "" })).StatusCode);
    }
}

public sealed class SqliteFindApiTests(SqliteDemoAppFixture fixture) : FindApiContractTests<SqliteDemoAppFixture>(fixture);

public sealed class PostgresFindApiTests(PostgresDemoAppFixture fixture) : FindApiContractTests<PostgresDemoAppFixture>(fixture);
