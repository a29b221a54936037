using Bunit;
using Fleet.Web.Components.Pages.Gpus;
using Fleet.Web.Tests.Components;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Tests.Accessibility;

/// <summary>A keyboard or screen-reader user opens a card from the grid through its serial, a real link.</summary>
public sealed class GpuListKeyboardTests : ComponentTestContext
{
    [Fact]
    public async Task Render_EveryRow_SerialIsALinkToTheCard()
    {
        await SeedAsync();
        SignIn(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("gpus");

        var cut = Render<GpuList>();

        cut.WaitForAssertion(() => Assert.Equal(25, cut.FindAll("[data-testid='gpu-serial']").Count));
        foreach (var serial in cut.FindAll("[data-testid='gpu-serial']"))
        {
            Assert.Equal("A", serial.TagName);
            Assert.Equal($"gpus/{Uri.EscapeDataString(serial.TextContent.Trim())}", serial.GetAttribute("href"));
        }
    }
}
