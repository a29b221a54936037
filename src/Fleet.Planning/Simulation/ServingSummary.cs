using System.Runtime.InteropServices;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Simulation;

/// <summary>One request that produced all its output: times in seconds on one clock, arrival first.</summary>
public readonly record struct CompletedRequest(double Arrival, double FirstToken, double Finished, int PromptTokens, int OutputTokens);

/// <summary>
/// The latency, throughput and goodput summary of a serving run, simulated or measured: the one definition both
/// <c>fleet plan simulate</c> and <c>fleet plan replay</c> report, so predicted and measured figures mean the same thing.
/// </summary>
public sealed record ServingSummary
{
    public long Requests { get; init; }
    public long Completed { get; init; }
    public required LatencyStats Ttft { get; init; }
    /// <summary>(finish − first token) / (output − 1), over requests with more than one token.</summary>
    public required LatencyStats Tpot { get; init; }
    public required LatencyStats E2e { get; init; }
    public double ThroughputTokensPerSecond { get; init; }
    public double PromptTokensPerSecond { get; init; }
    public double ThroughputRequestsPerSecond { get; init; }
    /// <summary>Requests per second that met every SLO.</summary>
    public double Goodput { get; init; }
    /// <summary>Share of all requests (those that did not complete count as misses) that met every SLO.</summary>
    public double SloAttainment { get; init; }
    public required SloReport Slo { get; init; }

    /// <summary>
    /// Summarises <paramref name="completed"/> out of <paramref name="requests"/> under <paramref name="slo"/>; rates are over
    /// <paramref name="makespanSeconds"/>. A request meets the SLO when TTFT ≤ ttft and TPOT ≤ tpot (one-token requests: TPOT 0).
    /// </summary>
    public static ServingSummary Compute(ReadOnlySpan<CompletedRequest> completed, long requests, SloSpec slo, double makespanSeconds)
    {
        ArgumentNullException.ThrowIfNull(slo);
        var ttft = new List<double>(completed.Length);
        var tpot = new List<double>(completed.Length);
        var e2e = new List<double>(completed.Length);
        long met = 0, outputTokens = 0, promptTokens = 0;
        foreach (var r in completed)
        {
            var first = r.FirstToken - r.Arrival;
            var perToken = r.OutputTokens > 1 ? (r.Finished - r.FirstToken) / (r.OutputTokens - 1) : 0;
            ttft.Add(first);
            if (r.OutputTokens > 1)
            {
                tpot.Add(perToken);
            }

            e2e.Add(r.Finished - r.Arrival);
            met += first <= slo.TtftSeconds && perToken <= slo.TpotSeconds ? 1 : 0;
            outputTokens += r.OutputTokens;
            promptTokens += r.PromptTokens;
        }

        var ttftStats = LatencyStatistics.Of(ttft, slo.Percentile, out var ttftAtPercentile);
        var tpotStats = LatencyStatistics.Of(tpot, slo.Percentile, out var tpotAtPercentile);
        var attainment = requests == 0 ? 1 : (double)met / requests;
        double Rate(double x) => makespanSeconds > 0 ? x / makespanSeconds : 0;
        return new ServingSummary
        {
            Requests = requests,
            Completed = completed.Length,
            Ttft = ttftStats,
            Tpot = tpotStats,
            E2e = LatencyStatistics.Of(e2e, 50, out _),
            ThroughputTokensPerSecond = Rate(outputTokens),
            PromptTokensPerSecond = Rate(promptTokens),
            ThroughputRequestsPerSecond = Rate(completed.Length),
            Goodput = Rate(met),
            SloAttainment = attainment,
            Slo = new SloReport(slo.TtftSeconds, slo.TpotSeconds, slo.Percentile, ttftAtPercentile, tpotAtPercentile, attainment >= slo.Percentile / 100),
        };
    }
}

/// <summary>Mean, percentiles and maximum of latency samples, by selection (O(n), no full sort).</summary>
public static class LatencyStatistics
{
    /// <summary>Statistics of <paramref name="values"/> plus the value at <paramref name="extraPercentile"/>; reorders the list.</summary>
    public static LatencyStats Of(List<double> values, double extraPercentile, out double extra)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            extra = double.NaN;
            return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var a = CollectionsMarshal.AsSpan(values);
        var sum = 0.0;
        var max = double.NegativeInfinity;
        foreach (var v in a)
        {
            sum += v;
            max = Math.Max(max, v);
        }

        extra = Percentile(a, extraPercentile);
        return new LatencyStats(values.Count, sum / values.Count, Percentile(a, 50), Percentile(a, 90), Percentile(a, 99), max);
    }

    /// <summary>Linear interpolation between closest ranks, as a sorted array would give; reorders the span.</summary>
    public static double Percentile(Span<double> values, double p)
    {
        var pos = p / 100 * (values.Length - 1);
        var lo = (int)Math.Floor(pos);
        var low = Select(values, lo);
        if (lo + 1 >= values.Length || pos == lo)
        {
            return low;
        }

        // After selecting rank lo, rank lo + 1 is the smallest value above it.
        var next = double.PositiveInfinity;
        foreach (var v in values[(lo + 1)..])
        {
            next = Math.Min(next, v);
        }

        return low + ((pos - lo) * (next - low));
    }

    /// <summary>Hoare selection: puts the k-th smallest value at index k, smaller ones before it, and returns it.</summary>
    private static double Select(Span<double> a, int k)
    {
        int left = 0, right = a.Length - 1;
        while (left < right)
        {
            var pivot = a[left + ((right - left) / 2)];
            int i = left, j = right;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }

        return a[k];
    }
}
