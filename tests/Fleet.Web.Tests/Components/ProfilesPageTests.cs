using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Web.Components.Pages.Finance;
using Fleet.Web.Tests.Planning;

namespace Fleet.Web.Tests.Components;

public sealed class ProfilesPageTests : ComponentTestContext
{
    [Fact]
    public async Task Render_StoredValidation_ShowsPredictedMeasuredAndErrorPerFigure()
    {
        await Services.GetRequiredService<ProfileValidationService>()
            .UploadAsync(ProfileValidationApiTests.ValidateJson, null, "stories-15m on cpu, 60 % load", new Actor("agent", "Agent"));

        var cut = Render<ProfilesPage>();

        cut.WaitForElement("[data-testid='validation-table']");
        Assert.Contains("stories-15m on cpu, 60 % load", cut.Find("[data-testid='validation']").TextContent, StringComparison.Ordinal);
        var rows = cut.FindAll("[data-testid='validation-table'] tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(10, rows.Count);
        Assert.Equal(["TTFT p50", "27 ms", "30 ms", "-10.0 %"], rows[0]);
        Assert.Equal(["TPOT p90", "11 ms", "12 ms", "-8.3 %"], rows[4]);
        Assert.Equal(["throughput (tokens/s)", "95.0", "100.0", "-5.0 %"], rows[9]);
    }

    [Fact]
    public void Render_NoValidations_SaysHowToAddOne()
    {
        var cut = Render<ProfilesPage>();

        cut.WaitForElement("[data-testid='validations-empty']");
        Assert.Contains("POST /api/profiles/validations", cut.Markup, StringComparison.Ordinal);
    }
}
