using System.Globalization;
using Bunit;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Gpus;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Tests.Components;

public sealed class GpuListTests : ComponentTestContext
{
    private IRenderedComponent<GpuList> RenderAt(string relativeUrl)
    {
        SignIn(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(relativeUrl);
        return Render<GpuList>();
    }

    [Fact]
    public async Task Render_StatusAndDatacenterInUrl_ShowsOnlyMatchingCardsAndTheirTotal()
    {
        await SeedAsync();
        List<string> expected;
        await using (var db = CreateDbContext())
        {
            expected = await db.Gpus.Where(g => g.Status == GpuStatus.Failed && g.Datacenter!.Code == "IAD1")
                .Select(g => g.Serial).ToListAsync();
        }

        var cut = RenderAt("gpus?status=Failed&datacenter=IAD1");

        cut.WaitForAssertion(() => Assert.Equal($"{expected.Count.ToString("N0", CultureInfo.InvariantCulture)} GPUs match",
            cut.Find("[data-testid='gpu-total']").TextContent.Trim()));
        var serials = cut.FindAll("[data-testid='gpu-serial']").Select(e => e.TextContent.Trim()).ToList();
        // The first page (25 rows), sorted by serial.
        Assert.Equal(expected.Order(StringComparer.Ordinal).Take(25), serials);
        Assert.All(cut.FindAll("[data-testid='status-chip']"), chip => Assert.Equal("Failed", chip.TextContent.Trim()));
        Assert.Equal("api/gpus/export?status=Failed&datacenter=IAD1", cut.Find("[data-testid='export-csv']").GetAttribute("href"));
    }

    [Fact]
    public async Task Render_SearchMatchesHost_FindsCardsOnThatHost()
    {
        await SeedAsync();
        string host;
        List<string> expected;
        await using (var db = CreateDbContext())
        {
            host = await db.Hosts.OrderBy(h => h.Hostname).Select(h => h.Hostname).FirstAsync();
            expected = await db.Gpus.Where(g => g.Host!.Hostname.Contains(host)).Select(g => g.Serial).ToListAsync();
        }

        var cut = RenderAt($"gpus?search={Uri.EscapeDataString(host)}");

        cut.WaitForAssertion(() => Assert.Equal(expected.Order(StringComparer.Ordinal).Take(25),
            cut.FindAll("[data-testid='gpu-serial']").Select(e => e.TextContent.Trim())));
        Assert.NotEmpty(expected);
    }

    [Fact]
    public async Task Render_UnknownStatusInUrl_ShowsTheServicesMessage()
    {
        await SeedAsync();

        var cut = RenderAt("gpus?status=Melted");

        cut.WaitForAssertion(() => Assert.Contains("Unknown status 'Melted'", cut.Find("[data-testid='grid-error']").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void BuildUrl_SomeFiltersBlank_QueryCarriesOnlySetOnesEscaped()
    {
        var url = GpuList.BuildUrl("gpus", "Failed", " ", "H100 SXM5 80GB", null, "-serial");

        Assert.Equal("gpus?status=Failed&model=H100%20SXM5%2080GB&sort=-serial", url);
    }
}
