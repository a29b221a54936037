using Bunit;
using Fleet.Application.Common;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Rma;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Rma;

/// <summary>The RMA page: technicians move cases, only Finance (or Admin) sees the credit controls.</summary>
public sealed class RmaPageTests : ComponentTestContext
{
    private IRenderedComponent<RmaPage> RenderAs(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        var cut = Render<RmaPage>();
        cut.WaitForElement("[data-testid='rma-cases']");
        return cut;
    }

    /// <summary>
    /// Runs an event on elements found afresh; once more if a render came between finding and firing (the page's load
    /// renders twice as it ends: the reload's and the lifecycle's), which leaves the found element's handler stale.
    /// </summary>
    private static void OnFreshRender(Action fire)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                fire();
                return;
            }
            catch (Bunit.Rendering.UnknownEventHandlerIdException) when (attempt < 5)
            {
                Thread.Sleep(50);
            }
        }
    }

    [Fact]
    public async Task Render_Technician_MovesCasesButRecordsNoCredit()
    {
        await SeedAsync();

        var cut = RenderAs(Roles.Technician);

        Assert.NotEmpty(cut.FindAll("[data-testid='rma-ship']"));
        Assert.NotEmpty(cut.FindAll("[data-testid='rma-withdraw']"));
        Assert.Empty(cut.FindAll("[data-testid='rma-credit']"));
        Assert.Empty(cut.FindAll("[data-testid='rma-credit-submit']"));
    }

    [Fact]
    public async Task Credit_FinanceOnShippedCase_ClosesItAndReturnsTheCard()
    {
        await SeedAsync();
        var cut = RenderAs(Roles.Finance);
        Assert.Empty(cut.FindAll("[data-testid='rma-ship']"));
        var row = cut.FindAll("[data-testid='rma-case-row']").First(r => r.QuerySelector("[data-testid='rma-case-status']")!.TextContent == "Shipped");
        var serial = row.GetAttribute("data-serial")!;

        AngleSharp.Dom.IElement InRow(string selector) =>
            cut.FindAll("[data-testid='rma-case-row']").First(r => r.GetAttribute("data-serial") == serial).QuerySelector(selector)!;
        OnFreshRender(() => InRow("input[data-testid='rma-credit-amount']").Change("1000"));
        OnFreshRender(() => InRow("input[type='checkbox']").Change(true));
        OnFreshRender(() => InRow("[data-testid='rma-credit-submit']").Click());

        cut.WaitForAssertion(() => Assert.Contains("Closed", cut.Find("[data-testid='rma-success']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        Assert.Equal(GpuStatus.Returned, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
    }

    [Fact]
    public async Task CasesPage_SmallPages_NewestFirstEveryNotClosedCaseOnce()
    {
        await SeedAsync();
        await using var db = CreateDbContext();
        var expected = (await db.RmaCases.Where(c => c.Status != Fleet.Domain.Rma.RmaStatus.Closed).Select(c => new { c.Id, c.OpenedAt }).ToListAsync())
            .OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id).Select(c => c.Id).ToList();
        Assert.True(expected.Count > 3, $"The demo seed has {expected.Count} open case(s); the test needs more than one page of 3.");
        var rma = Services.GetRequiredService<Fleet.Application.Rma.RmaService>();

        var seen = new List<int>();
        for (var page = 1; page <= (expected.Count + 2) / 3; page++)
        {
            var result = await rma.CasesPageAsync(null, page, 3);
            Assert.Equal(expected.Count, result.Total);
            Assert.InRange(result.Items.Count, 1, 3);
            seen.AddRange(result.Items.Select(i => i.Id));
        }

        Assert.Equal(expected, seen);
        var shipped = await rma.CasesPageAsync(Fleet.Domain.Rma.RmaStatus.Shipped, 1, 500);
        Assert.All(shipped.Items, i => Assert.Equal(Fleet.Domain.Rma.RmaStatus.Shipped, i.Status));
        Assert.Equal(await db.RmaCases.CountAsync(c => c.Status == Fleet.Domain.Rma.RmaStatus.Shipped), shipped.Total);
    }

    [Fact]
    public async Task Render_ManyCases_ShowsOnePageNewestFirst()
    {
        await SeedAsync();
        await using var db = CreateDbContext();
        var newest = (await db.RmaCases.Where(c => c.Status != Fleet.Domain.Rma.RmaStatus.Closed).Select(c => new { c.Id, c.OpenedAt }).ToListAsync())
            .OrderByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id).First().Id;

        var cut = RenderAs(Roles.Technician);

        var rows = cut.FindAll("[data-testid='rma-case-row']");
        Assert.InRange(rows.Count, 1, RmaPage.PageSize);
        Assert.Equal(newest.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[0].GetAttribute("data-case"));
    }

    [Fact]
    public async Task Ship_TrackingTypedInOneRow_ShipsThatCaseWithItAndLeavesOtherRowsEmpty()
    {
        await SeedAsync();
        var cut = RenderAs(Roles.Technician);
        var openRows = cut.FindAll("[data-testid='rma-case-row']").Where(r => r.QuerySelector("[data-testid='rma-case-status']")!.TextContent == "Open").ToList();
        Assert.True(openRows.Count >= 2, $"The demo seed shows {openRows.Count} Open case(s) on the first page; the test needs two.");
        var first = openRows[0].GetAttribute("data-case")!;
        var second = openRows[1].GetAttribute("data-case")!;

        openRows[0].QuerySelector("input[data-testid='rma-tracking']")!.Change("1Z-ROW-1");

        var other = cut.Find($"[data-testid='rma-case-row'][data-case='{second}'] input[data-testid='rma-tracking']");
        Assert.True(string.IsNullOrEmpty(other.GetAttribute("value")), $"The second row's tracking field shows '{other.GetAttribute("value")}'.");
        cut.Find($"[data-testid='rma-case-row'][data-case='{first}'] [data-testid='rma-ship']").Click();
        cut.WaitForAssertion(() => Assert.Contains("shipped", cut.Find("[data-testid='rma-success']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        var id = int.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("1Z-ROW-1", (await db.RmaCases.SingleAsync(c => c.Id == id)).TrackingNumber);
    }

    [Fact]
    public async Task Render_LinkedToAClosedCase_ShowsTheClosedFilterWithThatRowHighlighted()
    {
        await SeedAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized("technician@fleet.local");
        auth.SetRoles(Roles.Technician);
        var rma = Services.GetRequiredService<Fleet.Application.Rma.RmaService>();
        var shipped = (await rma.ListAsync()).First(c => c.Status == Fleet.Domain.Rma.RmaStatus.Shipped);
        await rma.ReceiveReplacementAsync(shipped.Id, new Fleet.Application.Rma.ReplacementRequest("REPL-HL-1"), new Actor("tess", Roles.Technician));
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"rma?case={shipped.Id}");

        var cut = Render<RmaPage>();
        cut.WaitForElement("[data-testid='rma-cases']");

        var row = cut.Find($"[data-testid='rma-case-row'][data-case='{shipped.Id}']");
        Assert.Contains("mud-selected-item", row.GetAttribute("class") ?? "", StringComparison.Ordinal);
        Assert.Equal("Closed", row.QuerySelector("[data-testid='rma-case-status']")!.TextContent);
    }
}
