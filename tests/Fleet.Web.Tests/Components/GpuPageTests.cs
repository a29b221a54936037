using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.Gpus;

namespace Fleet.Web.Tests.Components;

public sealed class GpuPageTests : ComponentTestContext
{
    private async Task<string> SerialInAsync(GpuStatus status)
    {
        await SeedAsync();
        await using var db = CreateDbContext();
        return await db.Gpus.Where(g => g.Status == status).OrderBy(g => g.Serial).Select(g => g.Serial).FirstAsync();
    }

    private void SignInAs(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
    }

    private IRenderedComponent<GpuPage> RenderAs(string serial, string role, bool signIn = true)
    {
        if (signIn)
        {
            SignInAs(role);
        }

        var cut = Render<GpuPage>(p => p.Add(x => x.Serial, serial));
        cut.WaitForElement("[data-testid='transitions']");
        return cut;
    }

    private static string[] TransitionButtons(IRenderedComponent<GpuPage> cut) =>
        cut.FindAll("[data-testid^='transition-']")
            .Select(b => b.GetAttribute("data-testid")!)
            .Where(id => Enum.TryParse<GpuStatus>(id["transition-".Length..], out _))
            .Select(id => id["transition-".Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public async Task Render_TechnicianOnInServiceCard_ShowsOnlyTechnicianMoves()
    {
        var serial = await SerialInAsync(GpuStatus.InService);

        var cut = RenderAs(serial, Roles.Technician);

        // From InService a technician may send a card to Maintenance or mark it Failed; retiring is Procurement's.
        Assert.Equal(["Failed", "Maintenance"], TransitionButtons(cut));
    }

    [Fact]
    public async Task Render_ProcurementOnInServiceCard_ShowsOnlyRetire()
    {
        var serial = await SerialInAsync(GpuStatus.InService);

        var cut = RenderAs(serial, Roles.Procurement);

        Assert.Equal(["Retired"], TransitionButtons(cut));
    }

    [Fact]
    public async Task Render_Viewer_ShowsNoMovesAndSaysWhy()
    {
        var serial = await SerialInAsync(GpuStatus.InService);

        var cut = RenderAs(serial, Roles.Viewer);

        Assert.Empty(TransitionButtons(cut));
        Assert.Contains("Viewer", cut.Find("[data-testid='no-transitions']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_MessageRequiredMove_DisabledUntilMessageThenTransitionsAndAudits()
    {
        var serial = await SerialInAsync(GpuStatus.InService);
        var cut = RenderAs(serial, Roles.Technician);

        cut.Find("[data-testid='transition-Failed']").Click();
        Assert.True(cut.Find("[data-testid='transition-confirm']").HasAttribute("disabled"));
        cut.Find("textarea").Input("Xid 79: fell off the bus");
        Assert.False(cut.Find("[data-testid='transition-confirm']").HasAttribute("disabled"));
        cut.Find("[data-testid='transition-confirm']").Click();

        cut.WaitForAssertion(() => Assert.Equal("Failed", cut.Find("[data-testid='gpu-status']").GetAttribute("data-status")));
        await using var db = CreateDbContext();
        Assert.Equal(GpuStatus.Failed, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
        Assert.Contains("Xid 79: fell off the bus", cut.Find("[data-testid='audit-trail']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_CardMovedBetweenHosts_ShowsHostNamesNotIds()
    {
        var serial = await SerialInAsync(GpuStatus.InService);
        await using (var db = CreateDbContext())
        {
            var hosts = await db.Hosts.OrderBy(h => h.Id).Take(2).ToListAsync();
            db.AuditEntries.Add(new Fleet.Domain.Audit.AuditEntry
            {
                At = DateTime.UtcNow,
                Actor = "tech@fleet.local",
                EntityType = "Gpu",
                EntityKey = serial,
                Action = "Update",
                BeforeJson = $$"""{"serial":"{{serial}}","hostId":{{hosts[0].Id}},"slot":1}""",
                AfterJson = $$"""{"serial":"{{serial}}","hostId":{{hosts[1].Id}},"slot":1}""",
            });
            await db.SaveChangesAsync();

            var cut = RenderAs(serial, Roles.Viewer);
            var change = cut.FindAll("[data-testid='audit-change']").Select(e => e.TextContent).First(t => t.StartsWith("host", StringComparison.Ordinal));
            Assert.Equal($"host: {hosts[0].Hostname} → {hosts[1].Hostname}", change.Trim());
        }
    }

    [Fact]
    public async Task Confirm_CardChangedMeanwhile_ShowsChangedBySomeoneElseAndKeepsOtherChange()
    {
        var serial = await SerialInAsync(GpuStatus.InService);
        var cut = RenderAs(serial, Roles.Technician);

        // Someone else moves the card after this page loaded it.
        await Services.GetRequiredService<InventoryService>()
            .TransitionAsync(serial, new TransitionRequest("Maintenance", "fan swap"), new Actor("Other Tech", Roles.Technician));
        cut.Find("[data-testid='transition-Failed']").Click();
        cut.Find("textarea").Input("dead");
        cut.Find("[data-testid='transition-confirm']").Click();

        cut.WaitForAssertion(() => Assert.Contains("changed by someone else", cut.Find("[data-testid='transition-alert']").TextContent, StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid='reload']"));
        await using var db = CreateDbContext();
        Assert.Equal(GpuStatus.Maintenance, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
    }

    [Fact]
    public async Task Confirm_DomainRefusal_ShowsTheDomainMessage()
    {
        // InService needs a placement; a validated card that sits in no host is refused by the domain.
        await SeedAsync();
        SignInAs(Roles.Technician);
        const string serial = "REFUSE-1";
        var csv = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"serial,model,status\n{serial},H100 SXM5 80GB,Validated\n"));
        var imported = await Services.GetRequiredService<Fleet.Application.Import.GpuImportService>()
            .ImportAsync(csv, Fleet.Application.Import.ImportMode.Insert, dryRun: false, Actor.System);
        Assert.True(imported.Succeeded, string.Join("; ", imported.Errors.Select(e => e.Message)));

        var cut = RenderAs(serial, Roles.Technician, signIn: false);
        cut.Find("[data-testid='transition-InService']").Click();
        cut.Find("[data-testid='transition-confirm']").Click();

        cut.WaitForAssertion(() => Assert.Contains("InService", cut.Find("[data-testid='transition-alert']").TextContent, StringComparison.Ordinal));
        Assert.Equal("Validated", cut.Find("[data-testid='gpu-status']").GetAttribute("data-status"));
    }

    [Fact]
    public async Task Render_CardUnderOpenCase_LinksTheCaseAndOffersNoRmaMoves()
    {
        var serial = await SerialInAsync(GpuStatus.RmaPending);
        int caseId;
        await using (var db = CreateDbContext())
        {
            var gpuId = await db.Gpus.Where(g => g.Serial == serial).Select(g => g.Id).SingleAsync();
            caseId = await db.RmaCases.Where(c => c.GpuId == gpuId).Select(c => c.Id).SingleAsync();
        }

        var cut = RenderAs(serial, Roles.Admin);

        var link = cut.Find("[data-testid='gpu-rma-case']");
        Assert.Equal($"rma?case={caseId}", link.GetAttribute("href"));
        Assert.Contains("Open", link.TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='rma-open-note']"));
        Assert.DoesNotContain("RmaShipped", TransitionButtons(cut));
        Assert.DoesNotContain("Validated", TransitionButtons(cut));
    }

    [Fact]
    public async Task Render_ReplacedCardAndItsReplacement_LinkEachOther()
    {
        var serial = await SerialInAsync(GpuStatus.RmaShipped);
        SignInAs(Roles.Viewer);
        var rma = Services.GetRequiredService<Fleet.Application.Rma.RmaService>();
        var caseId = (await rma.ListAsync()).Single(c => c.Serial == serial).Id;
        await rma.ReceiveReplacementAsync(caseId, new Fleet.Application.Rma.ReplacementRequest("REPL-0001"), new Actor("tess", Roles.Technician));

        var old = RenderAs(serial, Roles.Viewer, signIn: false);
        var replacement = Render<GpuPage>(p => p.Add(x => x.Serial, "REPL-0001"));
        replacement.WaitForElement("[data-testid='transitions']");

        Assert.Equal("REPL-0001", old.Find("[data-testid='gpu-replaced-by']").TextContent.Trim());
        Assert.Contains("Closed", old.Find("[data-testid='gpu-rma-case']").TextContent, StringComparison.Ordinal);
        Assert.Equal(serial, replacement.Find("[data-testid='gpu-replaces']").TextContent.Trim());
    }

    [Fact]
    public void Render_UnknownSerial_ShowsFriendlyNotFound()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("viewer@fleet.local");
        auth.SetRoles(Roles.Viewer);

        var cut = Render<GpuPage>(p => p.Add(x => x.Serial, "NO-SUCH-CARD"));

        cut.WaitForElement("[data-testid='gpu-not-found']");
        Assert.Contains("NO-SUCH-CARD", cut.Find("[data-testid='gpu-not-found']").TextContent, StringComparison.Ordinal);
    }
}
