namespace Fleet.Web.Components.Pages.Locations;

/// <summary>How the location pages write power and energy.</summary>
public static class LocationFormat
{
    public const string TotalsHeader = "<th class=\"text-right\">GPUs</th><th class=\"text-right\">Free slots</th><th class=\"text-right\">TDP</th><th class=\"text-right\">Energy (30 days)</th>";

    public static string Kilowatts(long watts) => string.Create(CultureInfo.InvariantCulture, $"{watts / 1000.0:N1} kW");

    public static string Energy(double? kwh) => kwh is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:N1} kWh") : "no readings";

    public static string Path(string segment) => Uri.EscapeDataString(segment);
}
