using Bunit;
using Fleet.Application.Import;
using Fleet.Web.Components.Pages.Import;
using MudBlazor.Services;

namespace Fleet.Web.Tests.Components;

public sealed class ImportErrorTableTests : BunitContext
{
    [Fact]
    public void Render_ThreeErrors_ShowsEachLineColumnValueAndMessageInOrder()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        ImportError[] errors =
        [
            new(2, "model", "H100 Turbo", "Unknown model 'H100 Turbo'."),
            new(5, "unit_cost", "-3", "unit_cost must be between 0 and 10,000,000."),
            new(9, "serial", null, "serial is required."),
        ];

        var cut = Render<ImportErrorTable>(p => p.Add(x => x.Errors, errors));

        var rows = cut.FindAll("[data-testid='import-error']");
        Assert.Equal(errors.Length, rows.Count);
        for (var i = 0; i < errors.Length; i++)
        {
            Assert.Equal(errors[i].Line.ToString(System.Globalization.CultureInfo.InvariantCulture), rows[i].QuerySelector("[data-testid='error-line']")!.TextContent.Trim());
            Assert.Equal(errors[i].Column, rows[i].QuerySelector("[data-testid='error-column']")!.TextContent.Trim());
            Assert.Equal(errors[i].Value ?? "", rows[i].QuerySelector("[data-testid='error-value']")!.TextContent.Trim());
            Assert.Equal(errors[i].Message, rows[i].QuerySelector("[data-testid='error-message']")!.TextContent.Trim());
        }
    }
}
