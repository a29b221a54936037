using MudBlazor;

namespace Fleet.Web.Components.Shared;

/// <summary>A value axis that fits its data: a round maximum just above the largest value, and round steps between ticks.</summary>
/// <param name="Max">The axis top (a multiple of <paramref name="Step"/>, at least the largest value).</param>
/// <param name="Step">The spacing of the ticks: 1, 2, 2.5 or 5 times a power of ten.</param>
public sealed record AxisScale(double Max, double Step)
{
    /// <summary>
    /// MudBlazor spaces ticks by a whole number, so values are charted times this factor (and the tick labels divided
    /// back): a 0–1.2 axis in steps of 0.2 is drawn as 0–12 in steps of 2, labelled 0, 0.2 … 1.2.
    /// </summary>
    public double Factor
    {
        get
        {
            var factor = 1.0;
            while (Math.Abs((Step * factor) - Math.Round(Step * factor)) > 1e-9 * factor && factor < 1e9)
            {
                factor *= 10;
            }

            return factor;
        }
    }

    /// <summary>The scale for bars from zero up to the largest of <paramref name="values"/>, with about <paramref name="ticks"/> steps.</summary>
    public static AxisScale For(IEnumerable<double> values, int ticks = 5)
    {
        var max = values.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        if (max <= 0)
        {
            return new AxisScale(1, 1);
        }

        // The finest round step that needs at most one tick more than asked for.
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max / Math.Max(1, ticks))));
        var step = new[] { 1, 2, 2.5, 5, 10, 20 }.Select(m => m * magnitude).First(s => Math.Ceiling((max / s) - 1e-9) <= ticks + 1);
        var top = Math.Ceiling((max / step) - 1e-9) * step;
        return new AxisScale(top, step);
    }
}

/// <summary>Bar chart options that keep a chart readable: the value axis from the data, category labels rotated or thinned so they never overlap.</summary>
public static class ReadableChart
{
    /// <summary>More category labels than this are thinned to every n-th one (the table under the chart lists them all).</summary>
    public const int MaxLabels = 16;

    /// <summary>
    /// Series scaled by the axis' <see cref="AxisScale.Factor"/>, labels thinned, and options whose ticks read in the data's
    /// own units.
    /// </summary>
    public static (List<ChartSeries<double>> Series, string[] Labels, BarChartOptions Options, AxisScale Scale) Bars(
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, IReadOnlyList<string> labels)
    {
        var scale = AxisScale.For(series.SelectMany(s => s.Values));
        var factor = scale.Factor;
        var scaled = series.Select(s => new ChartSeries<double>
        {
            Name = s.Name,
            Data = new ChartData<double>(s.Values.Select(v => v * factor).ToList()),
        }).ToList();
        var every = (int)Math.Ceiling(labels.Count / (double)MaxLabels);
        var shown = labels.Select((l, i) => i % Math.Max(1, every) == 0 ? l : "").ToArray();
        var longest = shown.Select(l => l.Length).DefaultIfEmpty(0).Max();
        var options = new BarChartOptions
        {
            YAxisTicks = Math.Max(1, (int)Math.Round(scale.Step * factor)),
            YAxisSuggestedMax = scale.Max * factor,
            MaxNumYAxisTicks = 12,
            YAxisToStringFunc = v => (v / factor).ToString("0.###", CultureInfo.InvariantCulture),
            // Long or many labels run into each other when level: tilt them.
            XAxisLabelRotation = longest * shown.Count(l => l.Length > 0) > 60 || longest > 10 ? 45 : 0,
        };
        return (scaled, shown, options, scale);
    }
}
