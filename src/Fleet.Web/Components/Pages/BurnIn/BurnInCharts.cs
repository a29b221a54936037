using Fleet.Application.BurnIn;
using MudBlazor;

namespace Fleet.Web.Components.Pages.BurnIn;

/// <summary>Builds the burn-in charts' series: what the run measured, against the catalog spec and the model's fleet median; telemetry over the run.</summary>
public static class BurnInCharts
{
    public const string Measured = "Measured";
    public const string Spec = "Spec";
    public const string FleetMedian = "Fleet median";
    public const string Temperature = "Temperature °C";
    public const string Power = "Power W";

    /// <summary>One bar group per precision: measured, spec and fleet median TFLOP/s (a missing spec or median is a gap, not a zero).</summary>
    public static (List<ChartSeries<double>> Series, string[] Labels) Tflops(IReadOnlyList<PrecisionItem> precisions) =>
        ([
            Series(Measured, precisions.Select(p => (double?)p.Tflops)),
            Series(Spec, precisions.Select(p => p.SpecTflops)),
            Series(FleetMedian, precisions.Select(p => p.FleetMedianTflops)),
        ], precisions.Select(p => p.Precision.ToString()).ToArray());

    /// <summary>Temperature and power per sample; the labels are seconds since the first sample.</summary>
    public static (List<ChartSeries<double>> Temperature, List<ChartSeries<double>> Power, string[] Labels) Telemetry(IReadOnlyList<TelemetryPoint> samples)
    {
        var start = samples.Count == 0 ? default : samples[0].At;
        var labels = samples.Select(s => (s.At - start).TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s").ToArray();
        return ([Series(Temperature, samples.Select(s => s.TemperatureC))], [Series(Power, samples.Select(s => s.PowerW))], labels);
    }

    /// <summary>The card's TFLOP/s per precision across its runs, oldest first (a run without that precision is a gap).</summary>
    public static (List<ChartSeries<double>> Series, string[] Labels) TflopsOverTime(IReadOnlyList<GpuBurnInRunItem> runs)
    {
        var measured = runs.Where(r => r.Precisions.Count > 0).OrderBy(r => r.StartedAt).ThenBy(r => r.Id).ToList();
        var precisions = measured.SelectMany(r => r.Precisions.Select(p => p.Precision)).Distinct().Order().ToList();
        return (precisions.Select(p => Series(p.ToString(), measured.Select(r => r.Precisions.FirstOrDefault(x => x.Precision == p)?.Tflops))).ToList(),
            measured.Select(r => r.StartedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).ToArray());
    }

    private static ChartSeries<double> Series(string name, IEnumerable<double?> values) =>
        new() { Name = name, Data = new ChartData<double>(values.ToList()) };
}
