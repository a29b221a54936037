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
