using System.Globalization;
using Bunit;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages;

namespace Fleet.Web.Tests.Components;

public sealed class HomeTests : ComponentTestContext
{
    [Fact]
    public async Task Render_SeededFleet_CardsAndTablesShowDatabaseCounts()
    {
        await SeedAsync();
        List<(GpuStatus Status, string? Dc, string Model)> rows;
        await using (var db = CreateDbContext())
        {
            rows = (await db.Gpus.Select(g => new { g.Status, Dc = g.Datacenter!.Code, Model = g.Model!.Name }).ToListAsync())
                .Select(r => (r.Status, (string?)r.Dc, r.Model)).ToList();
        }

        var cut = Render<Home>();

        cut.WaitForElement("[data-testid='dashboard']");
        Assert.Equal(N(rows.Count), cut.Find("[data-testid='card-total-value']").TextContent.Trim());
        Assert.Equal(N(rows.Count(r => r.Status == GpuStatus.InService)), cut.Find("[data-testid='card-inservice-value']").TextContent.Trim());
        var attention = rows.Count(r => r.Status is GpuStatus.Failed or GpuStatus.Maintenance or GpuStatus.RmaPending or GpuStatus.RmaShipped);
        Assert.Equal(N(attention), cut.Find("[data-testid='card-attention-value']").TextContent.Trim());
        foreach (var status in Enum.GetValues<GpuStatus>())
        {
            Assert.Equal(N(rows.Count(r => r.Status == status)), cut.Find($"[data-testid='by-status-{status}'] [data-testid='count']").TextContent.Trim());
        }

        foreach (var dc in rows.GroupBy(r => r.Dc ?? "(none)"))
        {
            Assert.Equal(N(dc.Count()), cut.Find($"[data-testid='by-datacenter-{dc.Key}'] [data-testid='count']").TextContent.Trim());
        }

        foreach (var model in rows.GroupBy(r => r.Model))
        {
            Assert.Equal(N(model.Count()), cut.Find($"[data-testid='by-model-{model.Key}'] [data-testid='count']").TextContent.Trim());
        }

        Assert.NotEmpty(cut.FindAll("svg"));
    }

    [Fact]
    public void Render_EmptyFleet_ShowsZeroTotal()
    {
        var cut = Render<Home>();

        cut.WaitForElement("[data-testid='dashboard']");
        Assert.Equal("0", cut.Find("[data-testid='card-total-value']").TextContent.Trim());
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
