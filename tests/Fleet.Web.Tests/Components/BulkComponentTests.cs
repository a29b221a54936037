using System.Globalization;
using System.Text.RegularExpressions;
using Bunit;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;
using Fleet.Web.Components.Pages.Gpus;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using ZXing;
using ZXing.Common;

namespace Fleet.Web.Tests.Components;

/// <summary>The grid's selection, the bulk dialog and the label page, over a small seeded fleet.</summary>
public sealed class BulkComponentTests : ComponentTestContext
{
    private IRenderedComponent<GpuList> RenderList(string url, string role = Roles.Technician)
    {
        SignIn(role);
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        return Render<GpuList>();
    }

    [Fact]
    public async Task GpuList_ClickThenShiftClick_SelectsTheRangeAndOffersAllMatching()
    {
        await SeedAsync();
        int total;
        await using (var db = CreateDbContext())
        {
            total = await db.Gpus.CountAsync(g => g.Status == GpuStatus.InService);
        }

        var cut = RenderList("gpus?status=InService");
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid='select-row']").Count >= 5));
        Assert.Empty(cut.FindAll("[data-testid='bulk-toolbar']"));

        cut.FindAll("[data-testid='select-row']")[1].Click();
        cut.FindAll("[data-testid='select-row']")[4].Click(new MouseEventArgs { ShiftKey = true });

        Assert.Equal("4 selected", cut.Find("[data-testid='bulk-count']").TextContent.Trim());
        var checkedRows = cut.FindAll("[data-testid='select-row']").Select((e, i) => (i, e.HasAttribute("checked"))).Where(x => x.Item2).Select(x => x.i);
        Assert.Equal([1, 2, 3, 4], checkedRows);

        cut.Find("[data-testid='bulk-select-all']").Click();
        Assert.Equal($"All {total.ToString("N0", CultureInfo.InvariantCulture)} matching cards selected", cut.Find("[data-testid='bulk-count']").TextContent.Trim());
        Assert.Equal("gpus/labels?status=InService", cut.Find("[data-testid='bulk-labels']").GetAttribute("href"));
    }

    [Fact]
    public async Task GpuList_ClickingATickBox_DoesNotOpenTheCard()
    {
        await SeedAsync();
        var cut = RenderList("gpus?status=InService");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid='select-row']")));
        var navigation = Services.GetRequiredService<NavigationManager>();
        var before = navigation.Uri;

        cut.FindAll("[data-testid='select-row']")[0].Click();

        Assert.Equal(before, navigation.Uri);
        Assert.Equal("1 selected", cut.Find("[data-testid='bulk-count']").TextContent.Trim());
    }

    private async Task<IRenderedComponent<MudDialogProvider>> ShowDialogAsync(BulkSelection selection, string role)
    {
        SignIn(role);
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<BulkDialog>("Act", new DialogParameters<BulkDialog> { { d => d.Selection, selection } }));
        provider.WaitForAssertion(() => Assert.NotNull(provider.Find("[data-testid='bulk-apply']")));
        return provider;
    }

    private static async Task MoveToAsync(IRenderedComponent<MudDialogProvider> cut, GpuStatus to, string message)
    {
        var select = cut.FindComponent<MudSelect<GpuStatus?>>();
        await cut.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(to));
        cut.Find("textarea").Change(message);
        cut.Find("[data-testid='bulk-apply']").Click();
    }

    [Fact]
    public async Task BulkDialog_MoveFailedCardsToRma_OpensACasePerCard()
    {
        await SeedAsync();
        List<string> serials;
        await using (var db = CreateDbContext())
        {
            serials = await db.Gpus.Where(g => g.Status == GpuStatus.Failed && !db.RmaCases.Any(c => c.GpuId == g.Id && c.Status != RmaStatus.Closed))
                .OrderBy(g => g.Serial).Take(3).Select(g => g.Serial).ToListAsync();
        }

        var selection = new BulkSelection();
        foreach (var s in serials)
        {
            selection.Toggle(s, false, serials);
        }

        var cut = await ShowDialogAsync(selection, Roles.Technician);
        await MoveToAsync(cut, GpuStatus.RmaPending, "Xid 79 during burn-in");

        cut.WaitForAssertion(() => Assert.Equal("Done: 3 card(s) changed.", cut.Find("[data-testid='bulk-summary']").TextContent.Trim()));
        await using var check = CreateDbContext();
        var cards = await check.Gpus.Where(g => serials.Contains(g.Serial)).ToListAsync();
        Assert.All(cards, g => Assert.Equal(GpuStatus.RmaPending, g.Status));
        var ids = cards.Select(g => g.Id).ToList();
        Assert.Equal(3, await check.RmaCases.CountAsync(c => ids.Contains(c.GpuId) && c.Reason == "Xid 79 during burn-in"));
    }

    [Fact]
    public async Task BulkDialog_OneCardCannotMove_ChangesNothingAndNamesIt()
    {
        await SeedAsync();
        string failed, inService;
        await using (var db = CreateDbContext())
        {
            failed = await db.Gpus.Where(g => g.Status == GpuStatus.Failed && !db.RmaCases.Any(c => c.GpuId == g.Id && c.Status != RmaStatus.Closed))
                .OrderBy(g => g.Serial).Select(g => g.Serial).FirstAsync();
            inService = await db.Gpus.Where(g => g.Status == GpuStatus.InService).OrderBy(g => g.Serial).Select(g => g.Serial).FirstAsync();
        }

        var selection = new BulkSelection();
        selection.Toggle(failed, false, [failed, inService]);
        selection.Toggle(inService, false, [failed, inService]);

        var cut = await ShowDialogAsync(selection, Roles.Technician);
        await MoveToAsync(cut, GpuStatus.RmaPending, "dead");

        cut.WaitForAssertion(() => Assert.StartsWith("Nothing was changed", cut.Find("[data-testid='bulk-summary']").TextContent.Trim(), StringComparison.Ordinal));
        var row = Assert.Single(cut.FindAll("[data-testid='bulk-error']"));
        Assert.Contains(inService, row.TextContent, StringComparison.Ordinal);
        Assert.Contains("only a Failed card gets an RMA case", row.TextContent, StringComparison.Ordinal);
        await using var check = CreateDbContext();
        Assert.Equal(GpuStatus.Failed, (await check.Gpus.SingleAsync(g => g.Serial == failed)).Status);
    }

    [Fact]
    public async Task Labels_TwoSerials_EachLabelHoldsAQrCodeThatDecodesToTheCardsPage()
    {
        await SeedAsync();
        List<(string Serial, string Model)> cards;
        await using (var db = CreateDbContext())
        {
            cards = (await db.Gpus.OrderBy(g => g.Serial).Take(2).Select(g => new { g.Serial, Model = g.Model!.Name }).ToListAsync())
                .Select(c => (c.Serial, c.Model)).ToList();
        }

        SignIn(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("gpus/labels?serials=" + Uri.EscapeDataString(string.Join(',', cards.Select(c => c.Serial))));
        var cut = Render<Labels>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid='label']").Count));
        foreach (var (label, card) in cut.FindAll("[data-testid='label']").Zip(cards))
        {
            Assert.Contains(card.Serial, label.TextContent, StringComparison.Ordinal);
            Assert.Contains(card.Model, label.TextContent, StringComparison.Ordinal);
            var svg = label.QuerySelector("svg")!.OuterHtml;
            Assert.True(DecodeQr(svg) == $"http://localhost/gpus/{Uri.EscapeDataString(card.Serial)}", svg[..Math.Min(svg.Length, 400)]);
        }
    }

    [Fact]
    public async Task Labels_FiltersInUrl_LabelOnlyTheMatchingCardAndLeadBackToTheFilteredList()
    {
        await SeedAsync();
        string serial;
        GpuStatus status;
        await using (var db = CreateDbContext())
        {
            var card = await db.Gpus.OrderBy(g => g.Serial).Skip(3).Select(g => new { g.Serial, g.Status }).FirstAsync();
            (serial, status) = (card.Serial, card.Status);
        }

        SignIn(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"gpus/labels?status={status}&search={Uri.EscapeDataString(serial)}");
        var cut = Render<Labels>();

        cut.WaitForAssertion(() => Assert.Equal(serial, Assert.Single(cut.FindAll("[data-testid='label']")).GetAttribute("data-serial")));
        Assert.Equal("1 label", cut.Find("[data-testid='label-count']").TextContent.Trim());
        var back = cut.FindAll("a").Single(a => a.TextContent.Contains("Back to the list", StringComparison.Ordinal)).GetAttribute("href")!;
        Assert.Contains($"status={status}", back, StringComparison.Ordinal);
        Assert.Contains(serial, back, StringComparison.Ordinal);
    }

    /// <summary>
    /// Rasterizes the SVG's dark shapes (rectangles, and paths of "M x y h w v h" runs, in viewBox units) at 4 px per unit
    /// with a white margin, and reads the QR code with ZXing.
    /// </summary>
    private static string? DecodeQr(string svg)
    {
        static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        var dark = new List<(double X, double Y, double W, double H)>();
        foreach (Match rect in Regex.Matches(svg, "<rect[^>]*>"))
        {
            string Attr(string name) => Regex.Match(rect.Value, $"\\s{name}=\"([0-9.]+)\"") is { Success: true } m ? m.Groups[1].Value : "0";
            var fill = Regex.Match(rect.Value, "fill=\"([^\"]+)\"").Groups[1].Value.ToUpperInvariant();
            if (fill is not ("#FFFFFF" or "WHITE" or "#FFF"))
            {
                dark.Add((Num(Attr("x")), Num(Attr("y")), Num(Attr("width")), Num(Attr("height"))));
            }
        }

        foreach (Match path in Regex.Matches(svg, "<path[^>]*\\sd=\"([^\"]*)\""))
        {
            foreach (Match run in Regex.Matches(path.Groups[1].Value, @"M\s*([\d.]+)[\s,]+([\d.]+)\s*h\s*([\d.]+)\s*v\s*([\d.]+)"))
            {
                dark.Add((Num(run.Groups[1].Value), Num(run.Groups[2].Value), Num(run.Groups[3].Value), Num(run.Groups[4].Value)));
            }
        }

        Assert.NotEmpty(dark);
        var viewBox = Regex.Match(svg, "viewBox=\"0 0 ([0-9.]+)");
        var units = viewBox.Success ? Num(viewBox.Groups[1].Value) : dark.Max(d => d.X + d.W);
        const int scale = 4, margin = 16;
        var width = (int)Math.Ceiling(units * scale) + (2 * margin);
        var pixels = Enumerable.Repeat((byte)255, width * width).ToArray();
        foreach (var (x0, y0, w, h) in dark)
        {
            for (var y = (int)(y0 * scale); y < (int)((y0 + h) * scale); y++)
            {
                for (var x = (int)(x0 * scale); x < (int)((x0 + w) * scale); x++)
                {
                    pixels[((y + margin) * width) + x + margin] = 0;
                }
            }
        }

        var source = new RGBLuminanceSource(pixels, width, width, RGBLuminanceSource.BitmapFormat.Gray8);
        var result = new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(source)),
            new Dictionary<DecodeHintType, object> { [DecodeHintType.POSSIBLE_FORMATS] = new[] { BarcodeFormat.QR_CODE }, [DecodeHintType.TRY_HARDER] = true });
        return result?.Text;
    }

}
