using Bunit;
using Fleet.Web.Components.Shared;
using MudBlazor;
using MudBlazor.Services;

namespace Fleet.Web.Tests.Accessibility;

/// <summary>The layout's live regions read out what LiveAnnouncer and the snackbar say.</summary>
public sealed class LiveRegionTests : BunitContext
{
    public LiveRegionTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddScoped<LiveAnnouncer>();
    }

    [Fact]
    public void Status_Announced_InPoliteStatusRegion()
    {
        var cut = Render<LiveRegion>();

        Services.GetRequiredService<LiveAnnouncer>().Status("Imported: 2 inserted, 0 updated.");

        cut.WaitForAssertion(() => Assert.Equal("Imported: 2 inserted, 0 updated.", cut.Find("[role='status']").TextContent));
        Assert.Equal("polite", cut.Find("[role='status']").GetAttribute("aria-live"));
        Assert.Equal("", cut.Find("[role='alert']").TextContent);
    }

    [Fact]
    public void Error_Announced_InAssertiveAlertRegion()
    {
        var cut = Render<LiveRegion>();

        Services.GetRequiredService<LiveAnnouncer>().Error("3 problems in the file; nothing was written.");

        cut.WaitForAssertion(() => Assert.Equal("3 problems in the file; nothing was written.", cut.Find("[role='alert']").TextContent));
    }

    [Fact]
    public void Snackbar_MessageShown_AlsoAnnounced()
    {
        var cut = Render<LiveRegion>();

        Services.GetRequiredService<ISnackbar>().Add("GPU-1 is now BurnIn.", Severity.Success);

        cut.WaitForAssertion(() => Assert.Equal("GPU-1 is now BurnIn.", cut.Find("[role='status']").TextContent));
    }
}
