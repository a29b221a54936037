using Bunit;
using Fleet.Domain;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Rma;
using Fleet.Web.Tests.Components;
using Microsoft.EntityFrameworkCore;

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

        row.QuerySelector("input[data-testid='rma-credit-amount']")!.Change("1000");
        cut.FindAll("[data-testid='rma-case-row']").First(r => r.GetAttribute("data-serial") == serial)
            .QuerySelector("input[type='checkbox']")!.Change(true);
        cut.FindAll("[data-testid='rma-case-row']").First(r => r.GetAttribute("data-serial") == serial)
            .QuerySelector("[data-testid='rma-credit-submit']")!.Click();

        cut.WaitForAssertion(() => Assert.Contains("Closed", cut.Find("[data-testid='rma-success']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        Assert.Equal(GpuStatus.Returned, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
    }
}
