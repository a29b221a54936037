using Bunit;
using Fleet.Domain.Inventory;
using Fleet.Web.Components.Pages.Gpus;

namespace Fleet.Web.Tests.Components;

/// <summary>The GPU page's edit form: its slot picker offers only free slots, and a refused field shows its message.</summary>
public sealed class GpuEditFormTests : ComponentTestContext
{
    /// <summary>Host f-1 (4 slots): F-1 in slot 0 (the card edited), F-2 in slot 2.</summary>
    private async Task ArrangeAsync()
    {
        await using var db = CreateDbContext();
        var model = await db.GpuModels.OrderBy(m => m.Id).FirstAsync();
        var dc = new Datacenter { Code = "FRM1", Name = "Form 1" };
        var host = new Host { Hostname = "f-1", GpuSlots = 4, Rack = new Rack { Name = "F1", Datacenter = dc } };
        db.AddRange(dc, host);
        var f1 = new Gpu { Serial = "F-1", GpuModelId = model.Id, ReceivedAt = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc) };
        var f2 = new Gpu { Serial = "F-2", GpuModelId = model.Id, ReceivedAt = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc) };
        db.Gpus.AddRange(f1, f2);
        await db.SaveChangesAsync();
        f1.PlaceIn(host, dc.Id, 0, DateTime.UtcNow);
        f2.PlaceIn(host, dc.Id, 2, DateTime.UtcNow);
        await db.SaveChangesAsync();
    }

    private IRenderedComponent<GpuPage> OpenEditor(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        var cut = Render<GpuPage>(p => p.Add(x => x.Serial, "F-1"));
        cut.WaitForElement("[data-testid='gpu-edit']").Click();
        cut.WaitForElement("[data-testid='gpu-edit-form']");
        return cut;
    }

    [Fact]
    public async Task SlotPicker_PlacedCard_OffersOnlyFreeSlotsAndItsOwn()
    {
        await ArrangeAsync();
        var cut = OpenEditor(Roles.Technician);

        var offered = cut.WaitForElements("[data-testid^='edit-slot-']")
            .Select(e => e.GetAttribute("data-testid")!["edit-slot-".Length..])
            .Where(s => int.TryParse(s, out _))
            .ToArray();
        Assert.Equal(["0", "1", "3"], offered);
    }

    [Fact]
    public async Task Save_AssetTagTooLong_ShowsTheFieldMessageAndSavesNothing()
    {
        await ArrangeAsync();
        var cut = OpenEditor(Roles.Technician);

        cut.Find("input[data-testid='edit-assetTag']").Change(new string('T', 65));
        cut.Find("[data-testid='gpu-edit-save']").Click();

        cut.WaitForAssertion(() => Assert.Contains("assetTag is 65 characters long; the limit is 64.", cut.Markup));
        Assert.Contains("nothing was saved", cut.Find("[data-testid='gpu-edit-alert']").TextContent);
        await using var db = CreateDbContext();
        Assert.Null((await db.Gpus.SingleAsync(g => g.Serial == "F-1")).AssetTag);
    }

    [Fact]
    public async Task EditButton_Viewer_IsNotOffered()
    {
        await ArrangeAsync();
        var auth = AddAuthorization();
        auth.SetAuthorized("viewer@fleet.local");
        auth.SetRoles(Roles.Viewer);
        var cut = Render<GpuPage>(p => p.Add(x => x.Serial, "F-1"));
        cut.WaitForElement("[data-testid='gpu-fields']");
        Assert.Empty(cut.FindAll("[data-testid='gpu-edit']"));
    }
}
