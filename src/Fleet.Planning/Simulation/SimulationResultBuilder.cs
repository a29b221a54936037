using System.Globalization;
using System.Runtime.CompilerServices;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Simulation;

/// <summary>Turns a finished run's request states and statistics into its <see cref="SimulationResult"/>.</summary>
internal static class SimulationResultBuilder
{
    // One pass over a million requests, once a run: compiled fully optimised at once rather than at tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SimulationResult Build(Scenario scenario, RequestState[] requests, RunStatistics stats, int replicas, long maxTokens, bool recordRequests)
    {
        var n = requests.Length;
        var makespan = stats.Now;

        // Time outside engine steps: it delays what the client sees of every request, never a replica.
        var overhead = StepCostModels.RequestOverheadSeconds(scenario);
        var done = new ServingSummary.Accumulator((int)stats.Completed, scenario.Slo);
        var wait = new List<double>((int)stats.Completed);
        long waited = 0;
        double timeInSystem = 0;
        foreach (ref readonly var q in requests.AsSpan())
        {
            timeInSystem += q.Finished - q.Arrival;
            if (q.Phase != RequestPhase.Done)
            {
                continue;
            }

            var w = q.Admitted - q.Arrival;
            done.Add(q.Arrival, q.FirstToken + overhead, q.Finished + overhead, q.Prompt, q.Output);
            wait.Add(w);
            waited += w > 1e-12 ? 1 : 0;
        }

        var dropped = stats.DroppedNoCapacity + stats.DroppedTooLong + stats.Stranded;
        var summary = done.Build(n, makespan);
        double Rate(double x) => makespan > 0 ? x / makespan : 0;
        var meanInSystem = makespan > 0 ? stats.AreaInSystem / makespan : 0;
        var departures = Rate(stats.Completed + dropped);
        var meanTime = n > 0 ? timeInSystem / n : 0;
        var littleError = meanInSystem > 0 ? Math.Abs(meanInSystem - (departures * meanTime)) / meanInSystem : 0;

        var datacenters = new List<DatacenterStats>();
        for (var d = 0; d < scenario.Datacenters.Count; d++)
        {
            datacenters.Add(new DatacenterStats(scenario.Datacenters[d], stats.ReplicasByDc[d], stats.CompletedDc[d], stats.TokensDc[d],
                stats.UpAreaDc[d] > 0 ? stats.BusyAreaDc[d] / stats.UpAreaDc[d] : 0));
        }

        return new SimulationResult
        {
            Scenario = scenario.Name,
            Seed = scenario.Seed,
            Gpus = scenario.Fleet.Sum(p => p.Gpus),
            Replicas = replicas,
            DurationSeconds = scenario.DurationSeconds,
            MakespanSeconds = makespan,
            Requests = n,
            Completed = stats.Completed,
            Dropped = dropped,
            DroppedNoCapacity = stats.DroppedNoCapacity + stats.Stranded,
            DroppedTooLong = stats.DroppedTooLong,
            Restarted = stats.Restarted,
            Ttft = summary.Ttft,
            Tpot = summary.Tpot,
            E2e = summary.E2e,
            Wait = LatencyStatistics.Of(wait, 50, out _),
            WaitProbability = stats.Completed > 0 ? (double)waited / stats.Completed : 0,
            ThroughputTokensPerSecond = summary.ThroughputTokensPerSecond,
            PromptTokensPerSecond = summary.PromptTokensPerSecond,
            ThroughputRequestsPerSecond = summary.ThroughputRequestsPerSecond,
            Goodput = summary.Goodput,
            SloAttainment = summary.SloAttainment,
            Slo = summary.Slo,
            Utilization = stats.AreaUp > 0 ? stats.AreaBusy / stats.AreaUp : 0,
            MeanBatchSize = stats.AreaBusy > 0 ? stats.AreaAdmitted / stats.AreaBusy : 0,
            LittlesLaw = new LittlesLawCheck(meanInSystem, departures, meanTime, littleError),
            Datacenters = datacenters,
            PerMinute = Minutes(stats, makespan),
            Engine = new EngineStats(stats.Events, stats.StepEvents, stats.Steps, stats.Clamped),
            Warnings = Warnings(scenario, stats, makespan, maxTokens),
            Summary = summary,
            Records = recordRequests ? Records(requests, overhead) : null,
        };
    }

    private static List<MinutePoint> Minutes(RunStatistics stats, double makespan)
    {
        var minutes = new List<MinutePoint>(stats.Minutes);
        for (var k = 0; k < stats.Minutes; k++)
        {
            var span = Math.Min(60, makespan - (k * 60.0));
            if (span <= 0)
            {
                break;
            }

            var busy = stats.MinuteBusy[k];
            var up = stats.MinuteUp[k];
            minutes.Add(new MinutePoint(k, stats.MinuteQueued[k] / span, busy > 0 ? stats.MinuteAdmitted[k] / busy : 0, up > 0 ? busy / up : 0, up / span));
        }

        return minutes;
    }

    private static List<string> Warnings(Scenario scenario, RunStatistics stats, double makespan, long maxTokens)
    {
        var warnings = new List<string>();
        if (stats.Clamped > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{stats.Clamped} of {stats.Steps} steps were faster than the roofline floor (datasheet peaks at 100 %) and were slowed to it: the performance model claims more than the hardware allows."));
        }

        if (stats.DroppedTooLong > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{stats.DroppedTooLong} requests were longer than the model context or a replica's KV cache ({maxTokens} tokens) and were dropped."));
        }

        if (stats.DroppedNoCapacity > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{stats.DroppedNoCapacity} requests arrived while no replica was up and were dropped."));
        }

        if (stats.Stranded > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{stats.Stranded} requests were still waiting when nothing more could happen (no replica would come back) and count as dropped."));
        }

        if (makespan > 1.5 * scenario.DurationSeconds && makespan - scenario.DurationSeconds > 60)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The fleet did not keep up: {scenario.DurationSeconds:F0} s of arrivals took {makespan:F0} s to drain; latencies grow with the run length."));
        }

        return warnings;
    }

    /// <summary>The per-request arrays; a completed request's first-token and finish times include the request overhead, as the summary's latencies do.</summary>
    private static RequestRecords Records(RequestState[] requests, double overhead)
    {
        var n = requests.Length;
        var (arrival, prompt, output) = (new double[n], new int[n], new int[n]);
        var (admitted, first, finished, replica) = (new double[n], new double[n], new double[n], new int[n]);
        for (var i = 0; i < n; i++)
        {
            ref readonly var q = ref requests[i];
            (arrival[i], prompt[i], output[i]) = (q.Arrival, q.Prompt, q.Output);
            var shift = q.Phase == RequestPhase.Done ? overhead : 0;
            (admitted[i], first[i], finished[i], replica[i]) = (q.Admitted, q.FirstToken + shift, q.Finished + shift, q.Replica);
        }

        return new RequestRecords(arrival, prompt, output, admitted, first, finished, replica);
    }
}
