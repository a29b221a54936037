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
