using Bunit;
using Fleet.Application.Rma;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Rma;
using Fleet.Web.Tests.Components;
using MudBlazor;

namespace Fleet.Web.Tests.Rma;

/// <summary>The RMA page's filters (status, vendor, datacenter, text) and the open-case dialog.</summary>
public sealed class RmaFilterAndDialogTests : ComponentTestContext
{
    private IRenderedComponent<MudDialogProvider>? _dialogs;

    private IRenderedComponent<RmaPage> RenderAs(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        _dialogs = Render<MudDialogProvider>();
        var cut = Render<RmaPage>();
        cut.WaitForElement("[data-testid='rma-cases']");
        return cut;
    }

    [Fact]
    public async Task CasesPage_VendorDatacenterAndText_OnlyMatchingCases()
    {
        await SeedAsync();
        var rma = Services.GetRequiredService<RmaService>();
        var all = (await rma.FindCasesAsync(new RmaCaseFilter(), 1, 500)).Items;
        Assert.True(all.Count >= 2, $"The demo seed has {all.Count} case(s) not closed; the test needs two.");
        var vendor = all.First(c => c.Vendor is not null).Vendor!;
        var dc = all.First(c => c.Datacenter is not null).Datacenter!;
        var target = all[^1];

        var byVendor = await rma.FindCasesAsync(new RmaCaseFilter(Vendor: vendor.ToLowerInvariant()), 1, 500);
        var byDc = await rma.FindCasesAsync(new RmaCaseFilter(Datacenter: dc), 1, 500);
        var bySerial = await rma.FindCasesAsync(new RmaCaseFilter(Search: target.Serial[^6..].ToLowerInvariant()), 1, 500);

        Assert.Equal(all.Count(c => c.Vendor == vendor), byVendor.Total);
        Assert.All(byVendor.Items, c => Assert.Equal(vendor, c.Vendor));
        Assert.Equal(all.Count(c => c.Datacenter == dc), byDc.Total);
        Assert.All(byDc.Items, c => Assert.Equal(dc, c.Datacenter));
        Assert.Contains(bySerial.Items, c => c.Id == target.Id);
        Assert.All(bySerial.Items, c => Assert.True(
            c.Serial.Contains(target.Serial[^6..], StringComparison.OrdinalIgnoreCase)
            || (c.VendorCaseNumber ?? "").Contains(target.Serial[^6..], StringComparison.OrdinalIgnoreCase)
            || (c.TrackingNumber ?? "").Contains(target.Serial[^6..], StringComparison.OrdinalIgnoreCase)
            || c.Reason.Contains(target.Serial[^6..], StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(0, (await rma.FindCasesAsync(new RmaCaseFilter(Search: "%"), 1, 500)).Total);
    }

    [Fact]
    public async Task Search_TypedOnThePage_ListsOnlyThatCase()
    {
        await SeedAsync();
        var cut = RenderAs(Roles.Technician);
        var rows = cut.FindAll("[data-testid='rma-case-row']");
        var serial = rows[^1].GetAttribute("data-serial")!;

        cut.Find("input[data-testid='rma-search'], [data-testid='rma-search'] input").Input(serial);

        cut.WaitForAssertion(() =>
        {
            var shown = cut.FindAll("[data-testid='rma-case-row']");
            Assert.NotEmpty(shown);
            Assert.All(shown, r => Assert.Equal(serial, r.GetAttribute("data-serial")));
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FailedQueue_PagedInSerialOrder_FindNarrowsItToTheCard()
    {
        await SeedAsync();
        await using (var db = CreateDbContext())
        {
            // More failed cards than the demo's, for three pages.
            var model = await db.GpuModels.OrderBy(m => m.Id).Select(m => m.Id).FirstAsync();
            db.Gpus.AddRange(Enumerable.Range(0, 2 * RmaPage.PageSize + 10)
                .Select(i => new Fleet.Domain.Inventory.Gpu { Serial = $"QUEUE-{i:D3}", GpuModelId = model }));
            await db.SaveChangesAsync();
            await db.Gpus.Where(g => g.Serial.StartsWith("QUEUE-")).ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GpuStatus.Failed));
        }

        var cut = RenderAs(Roles.Technician);
        var rma = Services.GetRequiredService<RmaService>();
        var everyFailed = (await rma.QueueAsync()).FailedWithoutCase.Select(f => f.Serial).ToList();
        Assert.True(everyFailed.Count > 2 * RmaPage.PageSize, $"{everyFailed.Count} failed card(s) without a case; the test needs three pages.");
        static List<string> Shown(IRenderedComponent<RmaPage> c) =>
            [.. c.FindAll("[data-testid='rma-failed-row']").Select(r => r.GetAttribute("data-serial")!)];

        Assert.Equal(everyFailed.Take(RmaPage.PageSize), Shown(cut));
        cut.Find("[data-testid='rma-failed-pager'] button[aria-label='Next page'], [data-testid='rma-failed-pager'] button[aria-label*='next' i]").Click();
        cut.WaitForAssertion(() => Assert.Equal(everyFailed.Skip(RmaPage.PageSize).Take(RmaPage.PageSize), Shown(cut)));

        var wanted = everyFailed[^1];
        cut.Find("input[data-testid='rma-failed-search'], [data-testid='rma-failed-search'] input").Input(wanted.ToLowerInvariant());
        cut.WaitForAssertion(() => Assert.Equal([wanted], Shown(cut)), TimeSpan.FromSeconds(5));
        Assert.Contains("Failed cards without a case (1)", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid='rma-failed-pager']"));

        // The service behind it: the find is a literal, case-blind substring of serial, model, datacenter or host, and a
        // page past the end is the last page.
        var items = (await rma.QueueAsync()).FailedWithoutCase;
        static bool Has(string? value, string term) => value?.Contains(term, StringComparison.OrdinalIgnoreCase) == true;
        var h100 = items.Where(f => Has(f.Serial, "H100") || Has(f.Model, "H100") || Has(f.Datacenter, "H100") || Has(f.Host, "H100")).ToList();
        Assert.NotEmpty(h100);
        var byModel = await rma.FindFailedAsync(" h100 ", 1, 500);
        Assert.Equal(h100.Count, byModel.Total);
        Assert.Equal(h100.Select(f => f.Serial).Take(500), byModel.Items.Select(f => f.Serial));
        Assert.Equal(0, (await rma.FindFailedAsync("%", 1, 500)).Total);
        var last = (everyFailed.Count + RmaPage.PageSize - 1) / RmaPage.PageSize;
        var past = await rma.FindFailedAsync(null, last + 5, RmaPage.PageSize);
        Assert.Equal(last, past.Page);
        Assert.Equal(everyFailed.Skip((last - 1) * RmaPage.PageSize), past.Items.Select(f => f.Serial));
    }

    [Fact]
    public async Task OpenRma_ButtonInARow_OpensADialogForThatCardAndOpensTheCase()
    {
        await SeedAsync();
        var cut = RenderAs(Roles.Technician);
        var failed = cut.FindAll("[data-testid='rma-failed-row']");
        Assert.True(failed.Count >= 2, $"The demo seed has {failed.Count} failed card(s) without a case; the test needs two.");
        var serial = failed[1].GetAttribute("data-serial")!;
        Assert.Empty(cut.FindAll("[data-testid='rma-open-dialog']"));

        cut.Find($"[data-testid='rma-open'][data-serial='{serial}']").Click();

        var root = _dialogs!;
        root.WaitForElement("input[data-testid='rma-reason'], [data-testid='rma-reason'] input");
        Assert.Contains(serial, root.Markup, StringComparison.Ordinal);
        root.Find("input[data-testid='rma-reason'], [data-testid='rma-reason'] input").Change("Fails GEMM after 10 minutes");
        root.Find("[data-testid='rma-open-submit']").Click();

        cut.WaitForAssertion(() => Assert.Contains("opened", cut.Find("[data-testid='rma-success']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        var gpu = await db.Gpus.SingleAsync(g => g.Serial == serial);
        Assert.Equal(GpuStatus.RmaPending, gpu.Status);
        var opened = await db.RmaCases.SingleAsync(c => c.GpuId == gpu.Id);
        Assert.Equal("Fails GEMM after 10 minutes", opened.Reason);
        Assert.Empty(cut.FindAll($"[data-testid='rma-failed-row'][data-serial='{serial}']"));
    }
}
