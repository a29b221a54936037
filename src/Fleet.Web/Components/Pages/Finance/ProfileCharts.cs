using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Finance;

/// <summary>One decode point as the page lists it: measured, the stored fit and the roofline at the same batch and context (milliseconds).</summary>
public sealed record DecodeRow(int Batch, int Context, double MeasuredMs, double FitMs, double? RooflineMs);

/// <summary>A decode chart: x labels, the fixed axis (the context or batch held constant) and the series in milliseconds.</summary>
public sealed record DecodeChart(string[] Labels, int HeldAt, List<ChartSeries<double>> Series);

/// <summary>
/// Builds the profiles page's figures from a stored <see cref="PerformanceProfile"/>: decode step time against batch
/// (at one context) and against context (at one batch), measured points beside the fit and the roofline the planner
/// falls back to (catalog peaks at the planner's default efficiencies).
/// </summary>
public static class ProfileCharts
{
    public const string Measured = "Measured";
    public const string Fit = "Fit";
    public const string Roofline = "Roofline";

    private static readonly RooflinePerformance s_plannerDefault = new();

    /// <summary>The roofline step model the planner would use for this profile's GPU, model and dtype, or null (cpu, unknown preset or dtype).</summary>
    public static RooflineStepModel? RooflineFor(PerformanceProfile profile)
    {
        var gpu = GpuCatalog.Find(profile.GpuModel);
        var shape = ModelPresets.Find(profile.Model);
        if (gpu is null || shape is null || !DtypeInfo.Names.Contains(profile.Dtype) || gpu.PeakTflops(DtypeInfo.Precision(profile.Dtype)) is null)
        {
            return null;
        }

        return new RooflineStepModel(new ModelSpec(shape, profile.Dtype), gpu, 1, s_plannerDefault.ComputeEfficiency, s_plannerDefault.BandwidthEfficiency, s_plannerDefault.StepOverheadSeconds);
    }

    /// <summary>Decode step seconds of <paramref name="batch"/> sequences at <paramref name="context"/> tokens each under the roofline.</summary>
    public static double RooflineDecodeSeconds(RooflineStepModel roofline, int batch, int context) =>
        roofline.StepSeconds(new StepShape(0, 0, batch, (long)batch * context));

    /// <summary>Every decode point, by context then batch.</summary>
    public static IReadOnlyList<DecodeRow> DecodeRows(PerformanceProfile profile)
    {
        var roofline = RooflineFor(profile);
        return profile.DecodePoints.OrderBy(p => p.Context).ThenBy(p => p.Batch)
            .Select(p => new DecodeRow(p.Batch, p.Context, p.Seconds * 1000, profile.Decode.Evaluate((double)p.Batch * p.Context, p.Batch) * 1000,
                roofline is null ? null : RooflineDecodeSeconds(roofline, p.Batch, p.Context) * 1000))
            .ToList();
    }

    /// <summary>Step time against batch at the context with the most measured points (the smallest on a tie).</summary>
    public static DecodeChart AgainstBatch(PerformanceProfile profile)
    {
        var context = MostMeasured(profile.DecodePoints.Select(p => p.Context), fallback: 1024);
        var measured = profile.DecodePoints.Where(p => p.Context == context).GroupBy(p => p.Batch).ToDictionary(g => g.Key, g => g.Average(p => p.Seconds));
        var batches = measured.Keys.Count > 0 ? measured.Keys.Order().ToList() : [1, 2, 4, 8, 16, 32, 64];
        return Build(profile, batches, context, b => (b, context), measured);
    }

    /// <summary>Step time against context at the batch with the most measured points (the smallest on a tie).</summary>
    public static DecodeChart AgainstContext(PerformanceProfile profile)
    {
        var batch = MostMeasured(profile.DecodePoints.Select(p => p.Batch), fallback: 1);
        var measured = profile.DecodePoints.Where(p => p.Batch == batch).GroupBy(p => p.Context).ToDictionary(g => g.Key, g => g.Average(p => p.Seconds));
        var contexts = measured.Keys.Count > 0 ? measured.Keys.Order().ToList() : [128, 512, 1024, 2048, 4096];
        return Build(profile, contexts, batch, c => (batch, c), measured);
    }

    private static DecodeChart Build(PerformanceProfile profile, List<int> xs, int heldAt, Func<int, (int Batch, int Context)> at, Dictionary<int, double> measured)
    {
        var roofline = RooflineFor(profile);
        var series = new List<ChartSeries<double>>
        {
            Series(Measured, xs.Select(x => measured.TryGetValue(x, out var s) ? s * 1000 : (double?)null)),
            Series(Fit, xs.Select(x => { var (b, c) = at(x); return (double?)(profile.Decode.Evaluate((double)b * c, b) * 1000); })),
        };
        if (roofline is not null)
        {
            series.Add(Series(Roofline, xs.Select(x => { var (b, c) = at(x); return (double?)(RooflineDecodeSeconds(roofline, b, c) * 1000); })));
        }

        return new DecodeChart(xs.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(), heldAt, series);
    }

    private static int MostMeasured(IEnumerable<int> values, int fallback) =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).DefaultIfEmpty(fallback).First();

    private static ChartSeries<double> Series(string name, IEnumerable<double?> values) =>
        new() { Name = name, Data = new ChartData<double>(values.ToList()) };
}
