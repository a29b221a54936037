using System.Runtime.CompilerServices;
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
        var summary = new Accumulator(completed.Length, slo);
        foreach (var r in completed)
        {
            summary.Add(r.Arrival, r.FirstToken, r.Finished, r.PromptTokens, r.OutputTokens);
        }

        return summary.Build(requests, makespanSeconds);
    }

    /// <summary>Collects completed requests one at a time, keeping only the latency samples the percentiles need.</summary>
    internal sealed class Accumulator(int capacity, SloSpec slo)
    {
        private readonly List<double> _ttft = new(capacity);
        private readonly List<double> _tpot = new(capacity);
        private readonly List<double> _e2e = new(capacity);
        private long _completed, _met, _outputTokens, _promptTokens;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(double arrival, double firstToken, double finished, int promptTokens, int outputTokens)
        {
            var first = firstToken - arrival;
            var perToken = outputTokens > 1 ? (finished - firstToken) / (outputTokens - 1) : 0;
            _ttft.Add(first);
            if (outputTokens > 1)
            {
                _tpot.Add(perToken);
            }

            _e2e.Add(finished - arrival);
            _met += first <= slo.TtftSeconds && perToken <= slo.TpotSeconds ? 1 : 0;
            _outputTokens += outputTokens;
            _promptTokens += promptTokens;
            _completed++;
        }

        /// <summary>The summary of what was added, out of <paramref name="requests"/>; reorders the samples.</summary>
        public ServingSummary Build(long requests, double makespanSeconds)
        {
            // Three independent selections over up to a million samples each: one per core.
            LatencyStats ttftStats = null!, tpotStats = null!, e2eStats = null!;
            double ttftAtPercentile = 0, tpotAtPercentile = 0;
            Parallel.Invoke(
                () => ttftStats = LatencyStatistics.Of(_ttft, slo.Percentile, out ttftAtPercentile),
                () => tpotStats = LatencyStatistics.Of(_tpot, slo.Percentile, out tpotAtPercentile),
                () => e2eStats = LatencyStatistics.Of(_e2e, 50, out _));
            var attainment = requests == 0 ? 1 : (double)_met / requests;
            double Rate(double x) => makespanSeconds > 0 ? x / makespanSeconds : 0;
            return new ServingSummary
            {
                Requests = requests,
                Completed = _completed,
                Ttft = ttftStats,
                Tpot = tpotStats,
                E2e = e2eStats,
                ThroughputTokensPerSecond = Rate(_outputTokens),
                PromptTokensPerSecond = Rate(_promptTokens),
                ThroughputRequestsPerSecond = Rate(_completed),
                Goodput = Rate(_met),
                SloAttainment = attainment,
                Slo = new SloReport(slo.TtftSeconds, slo.TpotSeconds, slo.Percentile, ttftAtPercentile, tpotAtPercentile, attainment >= slo.Percentile / 100),
            };
        }
    }
}
