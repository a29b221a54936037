using System.Globalization;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Layout;
using Fleet.Web.Components.Shared;
using MudBlazor;

namespace Fleet.Web.Tests.Accessibility;

/// <summary>WCAG 2.1 contrast (relative luminance, 1.4.3) of the palettes' status colours: chips are text in the
/// colour on a light tint of it, outlined buttons text in the colour on the surface.</summary>
public sealed class ThemeContrastTests
{
    public static TheoryData<string, GpuStatus> StatusesPerTheme()
    {
        var data = new TheoryData<string, GpuStatus>();
        foreach (var theme in (string[])["light", "dark"])
        {
            foreach (var status in Enum.GetValues<GpuStatus>())
            {
                data.Add(theme, status);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StatusesPerTheme))]
    public void StatusColour_OnSurfaceAndOnItsOwnTint_AtLeast45To1(string theme, GpuStatus status)
    {
        Palette palette = theme == "dark" ? FleetTheme.Theme.PaletteDark : FleetTheme.Theme.PaletteLight;
        var text = Parse(ColourOf(palette, StatusChip.ColorOf(status)));
        var surface = Parse(palette.Surface.ToString());

        Assert.True(Contrast(text, surface) >= 4.5, $"{status} in {theme}: {Contrast(text, surface):F2}:1 on the surface");
        // A chip's background: its colour at up to 16 % over the surface.
        var tint = Blend(text, surface, 0.16);
        Assert.True(Contrast(text, tint) >= 4.5, $"{status} chip in {theme}: {Contrast(text, tint):F2}:1 on its tint");
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public void SecondaryText_OnSurface_AtLeast45To1(string theme)
    {
        Palette palette = theme == "dark" ? FleetTheme.Theme.PaletteDark : FleetTheme.Theme.PaletteLight;
        var surface = Parse(palette.Surface.ToString());
        var secondary = Parse(palette.TextSecondary.ToString(), surface);

        Assert.True(Contrast(secondary, surface) >= 4.5, $"secondary text in {theme}: {Contrast(secondary, surface):F2}:1");
    }

    [Fact]
    public void WcagContrast_BlackOnWhite_Is21To1() =>
        Assert.Equal(21.0, Contrast((0, 0, 0), (1, 1, 1)), 3);

    private static string ColourOf(Palette palette, Color color) => color switch
    {
        Color.Success => palette.Success.ToString(),
        Color.Error => palette.Error.ToString(),
        Color.Warning => palette.Warning.ToString(),
        Color.Info => palette.Info.ToString(),
        Color.Dark => palette.Dark.ToString(),
        Color.Primary => palette.Primary.ToString(),
        _ => palette.TextPrimary.ToString(),
    };

    /// <summary>#rrggbb, #rrggbbaa or rgba(r,g,b,a); a translucent colour is composed over <paramref name="over"/>.</summary>
    private static (double R, double G, double B) Parse(string value, (double R, double G, double B)? over = null)
    {
        double r, g, b, a = 1;
        value = value.Trim();
        if (value.StartsWith('#'))
        {
            int Hex(int i) => int.Parse(value.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            (r, g, b) = (Hex(1) / 255.0, Hex(3) / 255.0, Hex(5) / 255.0);
            if (value.Length == 9)
            {
                a = Hex(7) / 255.0;
            }
        }
        else
        {
            var parts = value[(value.IndexOf('(', StringComparison.Ordinal) + 1)..value.IndexOf(')', StringComparison.Ordinal)]
                .Split(',').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            (r, g, b) = (parts[0] / 255.0, parts[1] / 255.0, parts[2] / 255.0);
            if (parts.Length > 3)
            {
                a = parts[3];
            }
        }

        return a < 1 && over is { } under ? Blend((r, g, b), under, a) : (r, g, b);
    }

    private static (double R, double G, double B) Blend((double R, double G, double B) top, (double R, double G, double B) under, double alpha) =>
        (top.R * alpha + under.R * (1 - alpha), top.G * alpha + under.G * (1 - alpha), top.B * alpha + under.B * (1 - alpha));

    private static double Contrast((double R, double G, double B) x, (double R, double G, double B) y)
    {
        static double Channel(double c) => c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        static double Luminance((double R, double G, double B) c) => 0.2126 * Channel(c.R) + 0.7152 * Channel(c.G) + 0.0722 * Channel(c.B);
        var (a, b) = (Luminance(x), Luminance(y));
        return (Math.Max(a, b) + 0.05) / (Math.Min(a, b) + 0.05);
    }
}
