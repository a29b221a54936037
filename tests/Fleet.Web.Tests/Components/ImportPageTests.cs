using Bunit;
using Fleet.Web.Components.Pages.Import;
using Microsoft.AspNetCore.Components.Forms;

namespace Fleet.Web.Tests.Components;

public sealed class ImportPageTests : ComponentTestContext
{
    private const string Header = "serial,model,status,datacenter,unit_cost,currency";

    private IRenderedComponent<ImportPage> RenderAsProcurement()
    {
        SignIn(Roles.Procurement);
        return Render<ImportPage>();
    }

    private static void Upload(IRenderedComponent<ImportPage> cut, string csv) =>
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(csv, "gpus.csv", contentType: "text/csv"));

    [Fact]
    public async Task Upload_FileWithTwoBadRows_ListsBothErrorsAndOffersNoCommit()
    {
        await SeedAsync();
        var cut = RenderAsProcurement();

        Upload(cut, $"{Header}\nIMP-1,H100 SXM5 80GB,Received,FRA1,30000,USD\nIMP-2,No Such GPU,Received,FRA1,1,USD\nIMP-3,L40S 48GB,Received,FRA1,abc,USD\n");

        cut.WaitForElement("[data-testid='import-errors']");
        var rows = cut.FindAll("[data-testid='import-error']")
            .Select(r => (r.QuerySelector("[data-testid='error-line']")!.TextContent.Trim(), r.QuerySelector("[data-testid='error-column']")!.TextContent.Trim(),
                r.QuerySelector("[data-testid='error-value']")!.TextContent.Trim()))
            .ToList();
        // Line numbers count the header as line 1.
        Assert.Contains(("3", "model", "No Such GPU"), rows);
        Assert.Contains(("4", "unit_cost", "abc"), rows);
        Assert.Equal(2, rows.Count);
        Assert.Empty(cut.FindAll("[data-testid='import-commit']"));
        await using var db = CreateDbContext();
        Assert.False(await db.Gpus.AnyAsync(g => g.Serial.StartsWith("IMP-")));
    }

    [Fact]
    public async Task Commit_ValidFile_InsertsEveryRowAndShowsCounts()
    {
        await SeedAsync();
        var cut = RenderAsProcurement();

        Upload(cut, $"{Header}\nIMP-1,H100 SXM5 80GB,Received,FRA1,30000,USD\nIMP-2,L40S 48GB,Ordered,IAD1,8000,USD\n");
        cut.WaitForElement("[data-testid='import-preview-ok']");
        await using (var db = CreateDbContext())
        {
            Assert.False(await db.Gpus.AnyAsync(g => g.Serial.StartsWith("IMP-")), "the dry run must not write");
        }

        cut.Find("[data-testid='import-commit']").Click();

        cut.WaitForElement("[data-testid='import-done']");
        Assert.Equal("2", cut.Find("[data-testid='import-inserted']").TextContent.Trim());
        Assert.Equal("0", cut.Find("[data-testid='import-updated']").TextContent.Trim());
        Assert.Equal("gpus", cut.Find("[data-testid='import-grid-link']").GetAttribute("href"));
        await using (var db = CreateDbContext())
        {
            Assert.Equal(["IMP-1", "IMP-2"], await db.Gpus.Where(g => g.Serial.StartsWith("IMP-")).OrderBy(g => g.Serial).Select(g => g.Serial).ToListAsync());
        }
    }

    [Fact]
    public async Task Upload_KnownSerialInUpsertMode_PreviewCountsAnUpdate()
    {
        await SeedAsync();
        string existing;
        await using (var db = CreateDbContext())
        {
            existing = await db.Gpus.OrderBy(g => g.Serial).Select(g => g.Serial).FirstAsync();
        }

        var cut = RenderAsProcurement();
        cut.Find("input[data-testid='mode-upsert']").Click();
        Upload(cut, $"serial,model,notes\n{existing},H100 SXM5 80GB,re-labelled\nIMP-NEW,H100 SXM5 80GB,\n");

        cut.WaitForElement("[data-testid='import-preview-ok']");
        var strong = cut.FindAll("[data-testid='import-preview-ok'] strong").Select(e => e.TextContent.Trim()).ToList();
        Assert.Equal(["1", "1"], strong);
    }

    [Fact]
    public void Upload_BinaryFile_ShowsTheReadErrorAndNoCommit()
    {
        var cut = RenderAsProcurement();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x50, 0x4B, 0x03, 0x04, 0xFF, 0xFE, 0x00, 0x81], "gpus.xlsx"));

        cut.WaitForElement("[data-testid='import-errors']");
        var error = Assert.Single(cut.FindAll("[data-testid='import-error']"));
        Assert.False(string.IsNullOrWhiteSpace(error.QuerySelector("[data-testid='error-message']")!.TextContent));
        Assert.Empty(cut.FindAll("[data-testid='import-commit']"));
    }

    [Fact]
    public void Render_HelpPanel_ListsEveryCsvColumnAndTheSample()
    {
        var cut = RenderAsProcurement();

        var columns = cut.FindAll("[data-testid='help-column']").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(Fleet.Application.Import.GpuCsvColumns.All, columns);
        Assert.Equal("samples/gpus-sample.csv", cut.Find("[data-testid='import-sample']").GetAttribute("href"));
    }
}
