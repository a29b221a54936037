using Bunit;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Gpus;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Fleet.Web.Tests.Components;

/// <summary>The grid's column chooser and the state its URL keeps (filters, sort, columns), and saving a view.</summary>
public sealed class GpuListFindTests : ComponentTestContext
{
    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IRenderedComponent<GpuList> RenderAt(string relativeUrl)
    {
        SignIn(Roles.Technician);
        Navigation.NavigateTo(relativeUrl);
        return Render<GpuList>();
    }

    private static List<string> Headers(IRenderedComponent<GpuList> cut) =>
        [.. cut.FindAll("th").Select(h => h.TextContent.Trim()).Where(t => t.Length > 0)];

    [Fact]
    public async Task Render_SortAndColumnsInUrl_RestoresTheOrderAndOnlyTheChosenColumns()
    {
        await SeedAsync();
        List<string> expected;
        await using (var db = CreateDbContext())
        {
            expected = await db.Gpus.Where(g => g.Status == GpuStatus.InService || g.Status == GpuStatus.Failed)
                .OrderByDescending(g => g.ReceivedAt).ThenByDescending(g => g.Id).Select(g => g.Serial).Take(25).ToListAsync();
        }

        var cut = RenderAt("gpus?status=InService,Failed&sort=-receivedAt&columns=status,poNumber,receivedAt");

        cut.WaitForAssertion(() => Assert.Equal(expected, cut.FindAll("[data-testid='gpu-serial']").Select(e => e.TextContent.Trim())));
        var headers = Headers(cut);
        Assert.Contains(headers, h => h.StartsWith("PO number", StringComparison.Ordinal));
        Assert.Contains(headers, h => h.StartsWith("Received", StringComparison.Ordinal));
        Assert.DoesNotContain(headers, h => h.StartsWith("Host", StringComparison.Ordinal));
        Assert.DoesNotContain(headers, h => h.StartsWith("UUID", StringComparison.Ordinal));
        // The URL was already complete: the grid did not rewrite it.
        Assert.EndsWith("gpus?status=InService,Failed&sort=-receivedAt&columns=status,poNumber,receivedAt", Uri.UnescapeDataString(Navigation.Uri),
            StringComparison.Ordinal);
        Assert.Equal("api/gpus/export?status=InService,Failed&sort=-receivedAt", cut.Find("[data-testid='export-csv']").GetAttribute("href"));
    }

    [Fact]
    public async Task ColumnChooser_TogglePoNumber_ColumnShownAndKeptInTheUrl()
    {
        await SeedAsync();
        SignIn(Roles.Technician);
        Navigation.NavigateTo("gpus?sort=serial");
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<GpuList>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid='gpu-serial']")));
        Assert.DoesNotContain(Headers(cut), h => h.StartsWith("PO number", StringComparison.Ordinal));

        cut.Find("[data-testid='column-chooser'] button").Click();
        popovers.WaitForAssertion(() => popovers.Find("[data-testid='column-poNumber']").Click());

        cut.WaitForAssertion(() => Assert.Contains("columns=model,status,datacenter,host,slot,assetTag,uuid,unitCost,poNumber,receivedAt",
            Uri.UnescapeDataString(Navigation.Uri), StringComparison.Ordinal));
        Assert.Contains("sort=serial", Navigation.Uri, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Contains(Headers(cut), h => h.StartsWith("PO number", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SaveView_Name_SavedForThisUserWithTheUrlsState()
    {
        await SeedAsync();
        var cut = RenderAt("gpus?status=Failed&datacenter=IAD1&sort=-receivedAt&columns=status,host");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid='gpu-serial']")));

        cut.Find("[data-testid='view-name']").Change("Failed in IAD1");
        cut.Find("[data-testid='save-view']").Click();

        cut.WaitForAssertion(() => Assert.Contains("Saved", cut.Find("[data-testid='view-message']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        var view = await db.SavedViews.SingleAsync();
        Assert.Equal("Failed in IAD1", view.Name);
        Assert.Equal("status=Failed&datacenter=IAD1&sort=-receivedAt&columns=status,host", Uri.UnescapeDataString(view.Query));
    }

    [Fact]
    public void GridColumns_DefaultSet_NoColumnsParameter()
    {
        Assert.Null(GridColumns.Value(GridColumns.Shown(null)));
        Assert.Equal("serial", GridColumns.Value(new HashSet<string>()));
        Assert.Equal(new[] { "host", "model" }, GridColumns.Shown("host,bogus,MODEL").Order(StringComparer.Ordinal));
    }
}
