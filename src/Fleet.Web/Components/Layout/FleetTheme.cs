using Microsoft.AspNetCore.Http;
using MudBlazor;

namespace Fleet.Web.Components.Layout;

/// <summary>
/// The app's MudBlazor palettes, light and dark, chosen so text, chips (text on a 12 % tint of their colour),
/// outlined buttons and breadcrumbs reach 4.5:1 (WCAG 2.1 AA), and the cookie that remembers a user's choice.
/// </summary>
public static class FleetTheme
{
    /// <summary>The cookie holding <c>dark</c> or <c>light</c> (wwwroot/a11y.js writes it when the app bar toggle is used).</summary>
    public const string CookieName = "fleet-theme";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5f8b",
            Secondary = "#3f6b00",
            Tertiary = "#6a3d9a",
            Info = "#0b5ea8",
            Success = "#1b6e20",
            Warning = "#8a4a00",
            Error = "#b3261e",
            Dark = "#424242",
            AppbarBackground = "#1f2a37",
            AppbarText = "#ffffff",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.64)",
            ActionDefault = "rgba(0,0,0,0.64)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#90caf9",
            PrimaryContrastText = "#000000",
            Secondary = "#a5d65a",
            SecondaryContrastText = "#000000",
            Tertiary = "#d1b3ff",
            TertiaryContrastText = "#000000",
            Info = "#64b5f6",
            InfoContrastText = "#000000",
            Success = "#81c784",
            SuccessContrastText = "#000000",
            Warning = "#ffb74d",
            WarningContrastText = "#000000",
            Error = "#f28b82",
            ErrorContrastText = "#000000",
            Dark = "#bdbdbd",
            DarkContrastText = "#000000",
            Background = "#121216",
            Surface = "#1e1e24",
            DrawerBackground = "#1e1e24",
            AppbarBackground = "#1f2a37",
            AppbarText = "#ffffff",
            TextPrimary = "rgba(255,255,255,0.92)",
            TextSecondary = "rgba(255,255,255,0.74)",
            ActionDefault = "rgba(255,255,255,0.74)",
            DrawerText = "rgba(255,255,255,0.92)",
            DrawerIcon = "rgba(255,255,255,0.74)",
            // MudBlazor's dark default (white at 0.2) lifts striped rows so far that the status chips in them fall under 4.5:1.
            TableStriped = "rgba(255,255,255,0.05)",
        },
    };

    /// <summary>Whether the request's cookie asks for the dark theme.</summary>
    public static bool IsDark(HttpContext? context) =>
        context?.Request.Cookies[CookieName] is { } value && string.Equals(value, "dark", StringComparison.OrdinalIgnoreCase);
}
