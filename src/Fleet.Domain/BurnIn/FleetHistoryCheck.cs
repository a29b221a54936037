using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Domain.BurnIn;

/// <summary>How far below the fleet's own history a card may measure (the agent's peer check sees only the cards of its run).</summary>
public sealed record FleetHistoryThresholds
{
    /// <summary>Below this share of the model's fleet median fails as PERF_BELOW_FLOOR.</summary>
    public double FloorFraction { get; init; } = 0.5;
    /// <summary>More than this shortfall from the model's fleet median fails as PERF_BELOW_PEERS.</summary>
    public double PeerShortfallFraction { get; init; } = 0.10;
    /// <summary>Earlier passing runs of the model needed before the check applies.</summary>
    public int MinHistory { get; init; } = 3;
    /// <summary>Products smaller than this say little about a card's peak (the agent's own perf checks use the same floor).</summary>
    public int MinSize { get; init; } = 4096;
    public IReadOnlySet<string> Engines { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "cublas" };
}

/// <summary>Compares a card's TFLOP/s with the median of the model's validated cards (passing runs stored before).</summary>
public static class FleetHistoryCheck
{
    /// <summary>True when a measurement is comparable with the fleet's history (real engine, large enough).</summary>
    public static bool Applies(string engine, int size, FleetHistoryThresholds t) => t.Engines.Contains(engine) && size >= t.MinSize;

    /// <summary>The median; null for none.</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The finding for one precision, or null when the card keeps up with its fleet (or there is too little history).</summary>
    public static Finding? Evaluate(string model, Precision precision, double tflops, IReadOnlyList<double> history, FleetHistoryThresholds t)
    {
        if (history.Count < t.MinHistory || Median(history) is not { } median || median <= 0)
        {
            return null;
        }

        static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        var name = precision.ToString().ToUpperInvariant();
        var evidence = Finding.EvidenceOf(("precision", precision), ("tflops", tflops), ("fleetMedianTflops", median),
            ("fleetRuns", history.Count));
        if (tflops < t.FloorFraction * median)
        {
            return new Finding(FindingCodes.PerfBelowFloor, Severity.Error,
                $"{name} {F(tflops)} TFLOP/s is below {F(t.FloorFraction * 100)} % of the fleet median of {history.Count} validated {model} cards ({F(median)} TFLOP/s)",
                evidence);
        }

        return tflops < (1 - t.PeerShortfallFraction) * median
            ? new Finding(FindingCodes.PerfBelowPeers, Severity.Error,
                $"{name} {F(tflops)} TFLOP/s is more than {F(t.PeerShortfallFraction * 100)} % below the fleet median of {history.Count} validated {model} cards ({F(median)} TFLOP/s)",
                evidence)
            : null;
    }
}
