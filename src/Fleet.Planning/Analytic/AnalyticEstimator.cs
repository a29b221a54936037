using System.Globalization;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Analytic;

/// <summary>
/// The closed-form answer printed beside the simulated one: how many replicas a pool needs, from the performance
/// model's step times at a steady batch and an M/M/c (Erlang C) queue over the fleet's batch slots.
/// </summary>
public sealed record AnalyticEstimate
{
    public double DemandRequestsPerSecond { get; init; }
    public double MeanPromptTokens { get; init; }
    public double MeanOutputTokens { get; init; }
    public long KvCacheTokensPerReplica { get; init; }
    /// <summary>Steady batch per replica: min(maxBatch, KV limit), lowered until a decode step meets the TPOT SLO.</summary>
    public int BatchPerReplica { get; init; }
    public double DecodeStepSeconds { get; init; }
    /// <summary>The roofline floor of that decode step (datasheet peaks, 100 % efficiency).</summary>
    public double DecodeStepFloorSeconds { get; init; }
    public double PrefillSecondsPerRequest { get; init; }
    public double ReplicaRequestsPerSecond { get; init; }
    public double ReplicaOutputTokensPerSecond { get; init; }
    public int Replicas { get; init; }
    public int Gpus { get; init; }
    /// <summary>Offered load on the estimated fleet: demand / (replicas × replica throughput).</summary>
    public double Utilization { get; init; }
    /// <summary>Erlang C probability that a request waits for a batch slot.</summary>
    public double WaitProbability { get; init; }
    public bool TpotReachable { get; init; }
    /// <summary>False when prefill alone (with the request overhead) takes longer than the TTFT SLO.</summary>
    public bool TtftReachable { get; init; }
    public IReadOnlyList<string> Assumptions { get; init; } = [];
}

/// <summary>Computes <see cref="AnalyticEstimate"/>s.</summary>
public static class AnalyticEstimator
{
    /// <summary>Replicas of <paramref name="pool"/> the scenario's demand needs so that the TTFT SLO holds for the target share.</summary>
    public static AnalyticEstimate Estimate(Scenario scenario, FleetPool pool, double targetAttainment)
    {
        var (rate, prompt, output) = Demand(scenario);
        var model = StepCostModels.For(scenario, pool);
        var floor = RooflineStepModel.Floor(scenario.Model, pool.GpuModel, pool.TensorParallel);
        var kv = KvCache.CapacityTokens(scenario, pool);
        var perRequestKv = prompt + output;
        var batch = (int)Math.Max(1, Math.Min(scenario.Scheduler.MaxBatch, Math.Floor(kv / perRequestKv)));
        double Decode(int b, IStepCostModel m) => m.StepSeconds(new StepShape(0, 0, b, (long)(b * (prompt + (output / 2)))));
        double Step(int b) => Math.Max(Decode(b, model), Decode(b, floor));
        while (batch > 1 && Step(batch) > scenario.Slo.TpotSeconds)
        {
            batch--;
        }

        var decode = Step(batch);
        var prefillShape = new StepShape((long)prompt, prompt * prompt, 0, 0);
        var prefill = Math.Max(model.StepSeconds(prefillShape), floor.StepSeconds(prefillShape));
        // One cycle: every one of the batch's requests is prefilled once (decodes pause) and decoded output times.
        var replicaRate = batch / ((batch * prefill) + (output * decode));
        var slotRate = replicaRate / batch;
        var budget = scenario.Slo.TtftSeconds - prefill - StepCostModels.RequestOverheadSeconds(scenario);

        bool Enough(int replicas)
        {
            var servers = replicas * batch;
            if (rate >= replicas * replicaRate)
            {
                return false;
            }

            // When prefill alone breaks the TTFT SLO no fleet size helps; settle for a stable queue.
            return budget <= 0 || Queueing.MmcWaitTail(servers, rate, slotRate, budget) <= 1 - targetAttainment;
        }

        var lo = Math.Max(1, (int)Math.Ceiling(rate / replicaRate) - 1);
        var hi = Math.Max(lo + 1, 1);
        while (!Enough(hi) && hi < 10_000_000)
        {
            lo = hi;
            hi *= 2;
        }

        while (hi - lo > 1)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Enough(mid))
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        var answer = Enough(lo) ? lo : hi;
        var load = rate / (answer * replicaRate);
        var f = CultureInfo.InvariantCulture;
        return new AnalyticEstimate
        {
            DemandRequestsPerSecond = rate,
            MeanPromptTokens = prompt,
            MeanOutputTokens = output,
            KvCacheTokensPerReplica = kv,
            BatchPerReplica = batch,
            DecodeStepSeconds = decode,
            DecodeStepFloorSeconds = Decode(batch, floor),
            PrefillSecondsPerRequest = prefill,
            ReplicaRequestsPerSecond = replicaRate,
            ReplicaOutputTokensPerSecond = replicaRate * output,
            Replicas = answer,
            Gpus = answer * pool.TensorParallel,
            Utilization = load,
            WaitProbability = Queueing.ErlangC(answer * batch, rate / slotRate),
            TpotReachable = decode <= scenario.Slo.TpotSeconds,
            TtftReachable = budget > 0,
            Assumptions =
            [
                string.Format(f, "demand {0:G4} requests/s ({1})", rate, DemandNote(scenario)),
                string.Format(f, "steady batch {0} per replica = min(maxBatch, KV cache / mean request tokens), lowered until a decode step meets the TPOT SLO", batch),
                "service of a batch slot = prefill (decodes paused) + mean output x decode step, treated as exponential: M/M/c over replicas x batch slots",
                "a request meets TTFT when its Erlang C wait is below ttft - prefill; the TPOT SLO only bounds the batch",
            ],
        };
    }

    /// <summary>Mean arrival rate and mean prompt and output lengths of the scenario's workload (peak hour for daily profiles).</summary>
    public static (double RatePerSecond, double MeanPrompt, double MeanOutput) Demand(Scenario scenario)
    {
        var w = scenario.Workload;
        return w.Arrival switch
        {
            PoissonArrival p => (p.RatePerSecond, w.PromptTokens!.Mean, w.OutputTokens!.Mean),
            GammaArrival g => (g.RatePerSecond, w.PromptTokens!.Mean, w.OutputTokens!.Mean),
            DailyArrival d => (d.RatePerSecond * d.HourlyFactors.Max(), w.PromptTokens!.Mean, w.OutputTokens!.Mean),
            TraceArrival t => (t.Entries.Count / Math.Max(scenario.DurationSeconds, 1e-9), t.Entries.Average(e => e.PromptTokens), t.Entries.Average(e => e.OutputTokens)),
            _ => throw new ArgumentException("Unknown arrival kind.", nameof(scenario)),
        };
    }

    private static string DemandNote(Scenario scenario) => scenario.Workload.Arrival switch
    {
        DailyArrival => "the daily profile's peak hour",
        TraceArrival => "the trace's mean rate",
        GammaArrival => "mean rate; burstiness is not in the formula",
        _ => "Poisson",
    };
}
