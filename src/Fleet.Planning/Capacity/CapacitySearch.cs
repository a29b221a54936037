using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Planning.Analytic;
using Fleet.Planning.Cost;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Capacity;

/// <summary>No fleet size up to the limit meets the target: the SLO is out of reach for this model, GPU and performance model.</summary>
public sealed class CapacityUnreachableException(string message) : InvalidOperationException(message);

/// <summary>The search was asked for something the scenario cannot give (unknown GPU, no failure rate for spares...).</summary>
public sealed class PlanningInputException(string message) : Exception(message);

/// <summary>What to search for.</summary>
public sealed record CapacityOptions
{
    /// <summary>Catalog GPU to size; null uses the scenario's first pool's GPU.</summary>
    public string? GpuModel { get; init; }
    /// <summary>Share of requests that must meet every SLO; null uses the scenario's SLO percentile / 100.</summary>
    public double? TargetAttainment { get; init; }
    /// <summary>Add N+k spare replicas for the scenario's failure rate.</summary>
    public bool Spares { get; init; }
    /// <summary>Spares cover this quantile of the number of replicas down at once (Poisson).</summary>
    public double SpareQuantile { get; init; } = 0.999;
    /// <summary>The answer must also meet the target with any one datacenter lost for the whole run.</summary>
    public bool SurviveDatacenterLoss { get; init; }
    /// <summary>Give up above this many GPUs.</summary>
    public int MaxGpus { get; init; } = 1_000_000;
}

/// <summary>The fewest GPUs that meet the target, with the evidence (<c>fleet.plan-capacity/v1</c>).</summary>
public sealed record CapacityResult
{
    public const string CurrentSchema = "fleet.plan-capacity/v1";

    public string Schema { get; init; } = CurrentSchema;
    public string? Scenario { get; init; }
    public required string GpuModel { get; init; }
    public int TensorParallel { get; init; }
    public double TargetAttainment { get; init; }
    public double DemandRequestsPerSecond { get; init; }
    /// <summary>GPUs to buy: the simulated answer plus spares.</summary>
    public int Gpus { get; init; }
    /// <summary>The simulated answer before spares.</summary>
    public int ServingGpus { get; init; }
    public int SpareGpus { get; init; }
    public int Replicas { get; init; }
    /// <summary>Simulated SLO attainment at the answer; with datacenter loss, the worst of all-up and each datacenter lost.</summary>
    public double Attainment { get; init; }
    /// <summary>
    /// Binomial standard error of <see cref="Attainment"/> over the run's requests: a floor on its uncertainty, since
    /// requests close in time are correlated and a longer run (or another seed) can move it further.
    /// </summary>
    public double AttainmentStandardError { get; init; }
    /// <summary>One replica fewer (null when the answer is a single replica).</summary>
    public int? GpusBelow { get; init; }
    public double? AttainmentBelow { get; init; }
    public bool SurviveDatacenterLoss { get; init; }
    /// <summary>Attainment at the answer with each datacenter lost, when asked for.</summary>
    public IReadOnlyList<DatacenterLoss> DatacenterLoss { get; init; } = [];
    public required SimulatedAtAnswer Simulated { get; init; }
    public required AnalyticEstimate Analytic { get; init; }
    public required CostSummary Cost { get; init; }
    public required IReadOnlyList<CapacityProbe> Probes { get; init; }
    public required IReadOnlyList<string> Assumptions { get; init; }
}

/// <summary>Attainment with one datacenter down for the whole run.</summary>
public sealed record DatacenterLoss(string Datacenter, double Attainment);

/// <summary>Headline figures of the simulation at the answer.</summary>
public sealed record SimulatedAtAnswer(double TtftP99, double TpotP99, double ThroughputTokensPerSecond, double Goodput, double Utilization, double MeanBatchSize);

/// <summary>Money figures at the answer, with the assumptions behind them.</summary>
public sealed record CostSummary(
    string Currency, decimal PurchasePricePerGpu, int LifeMonths, decimal SalvageFraction, int TdpW, decimal Pue, decimal PricePerKwh,
    decimal DepreciationPerGpuHour, decimal PowerPerGpuHour, decimal CostPerGpuHour, decimal FleetCostPerHour,
    decimal? CostPerMillionOutputTokens, decimal? AnalyticCostPerMillionOutputTokens);

/// <summary>One simulated fleet size the search tried.</summary>
public sealed record CapacityProbe(int Gpus, double Attainment, bool Meets);

/// <summary>Where a search is.</summary>
public readonly record struct CapacityProgress(int Probe, int Gpus, double Attainment, bool Meets);

/// <summary>
/// Finds the fewest GPUs (a multiple of the tensor-parallel degree) whose simulated SLO attainment meets the target:
/// starts at the analytic estimate, brackets by halving or doubling, then bisects. Every probe replays the same
/// requests (common random numbers), which keeps attainment monotone in the fleet size in practice; the probes are
/// reported so a non-monotone case is visible.
/// </summary>
public sealed class CapacitySearch(Simulator simulator)
{
    /// <summary>Runs the search.</summary>
    public CapacityResult Find(Scenario scenario, CapacityOptions options, IProgress<CapacityProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var basePool = scenario.Fleet[0];
        GpuModel gpu = basePool.GpuModel;
        if (options.GpuModel is not null)
        {
            gpu = GpuCatalog.Find(options.GpuModel)
                ?? throw new PlanningInputException($"--gpu-model: unknown GPU model '{options.GpuModel}' (known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))}).");
            if (scenario.Performance is ProfilePerformance p && !string.Equals(p.Profile.GpuModel, gpu.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new PlanningInputException($"--gpu-model: the scenario's profile was measured on '{p.Profile.GpuModel}', not '{gpu.Name}'; use a roofline or fixed performance model to size another GPU.");
            }

            if (gpu.PeakTflops(scenario.Model.Precision) is null)
            {
                throw new PlanningInputException($"--gpu-model: {gpu.Name} has no {scenario.Model.Dtype} support.");
            }
        }

        var tp = basePool.TensorParallel;
        var pool = basePool with { GpuModel = gpu, Gpus = tp };
        if (KvCache.CapacityTokens(scenario, pool) <= 0)
        {
            throw new PlanningInputException($"{scenario.Model.Shape.Name} in {scenario.Model.Dtype} does not fit on {tp} x {gpu.Name}.");
        }

        var target = options.TargetAttainment ?? scenario.Slo.Percentile / 100;
        if (target is <= 0 or > 1)
        {
            throw new PlanningInputException($"--target-attainment must be > 0 and <= 1 (got {target.ToString(CultureInfo.InvariantCulture)}).");
        }

        var datacenters = scenario.Datacenters;
        if (options.SurviveDatacenterLoss && datacenters.Count < 2)
        {
            throw new PlanningInputException("--survive-datacenter-loss needs a fleet in at least two datacenters.");
        }

        if (options.Spares && scenario.Failures is null)
        {
            throw new PlanningInputException("--spares needs a failure rate: add $.failures (gpuFailuresPerDay, repairHours) to the scenario.");
        }

        var requests = RequestGenerator.Generate(scenario);
        var analytic = AnalyticEstimator.Estimate(scenario, pool, target);
        var maxReplicas = Math.Max(1, options.MaxGpus / tp);
        var probes = new List<CapacityProbe>();
        var cache = new Dictionary<int, (bool Meets, double Attainment, SimulationResult Result, List<DatacenterLoss> Losses)>();

        (bool Meets, double Attainment, SimulationResult Result, List<DatacenterLoss> Losses) Probe(int replicas)
        {
            if (cache.TryGetValue(replicas, out var known))
            {
                return known;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var sized = Sized(scenario, pool, datacenters, replicas);
            var result = simulator.Run(sized, requests, null, cancellationToken);
            var meets = result.SloAttainment >= target;
            var losses = new List<DatacenterLoss>();
            if (options.SurviveDatacenterLoss && meets)
            {
                foreach (var dc in datacenters)
                {
                    var lost = simulator.Run(sized with { Outage = new OutageSpec(dc, 0, 1e12) }, requests, null, cancellationToken);
                    losses.Add(new DatacenterLoss(dc, lost.SloAttainment));
                    meets &= lost.SloAttainment >= target;
                }
            }

            var worst = losses.Count > 0 ? Math.Min(result.SloAttainment, losses.Min(l => l.Attainment)) : result.SloAttainment;
            var entry = (meets, worst, result, losses);
            cache[replicas] = entry;
            probes.Add(new CapacityProbe(replicas * tp, worst, meets));
            progress?.Report(new CapacityProgress(probes.Count, replicas * tp, worst, meets));
            return entry;
        }

        int lo, hi;
        var start = Math.Clamp(analytic.Replicas * (options.SurviveDatacenterLoss ? 2 : 1), 1, maxReplicas);
        if (Probe(start).Meets)
        {
            hi = start;
            lo = 0;
            var x = start;
            while (x > 1)
            {
                x = Math.Max(1, x / 2);
                if (!Probe(x).Meets)
                {
                    lo = x;
                    break;
                }

                hi = x;
            }
        }
        else
        {
            lo = start;
            var x = start;
            while (true)
            {
                if (x >= maxReplicas)
                {
                    throw new CapacityUnreachableException(string.Create(CultureInfo.InvariantCulture,
                        $"No fleet up to {options.MaxGpus} GPUs of {gpu.Name} meets {target:P1} SLO attainment (best probe {probes.Max(p => p.Attainment):P2}); the SLO may be out of reach for this model and GPU."));
                }

                x = (int)Math.Min((long)x * 2, maxReplicas);
                if (Probe(x).Meets)
                {
                    hi = x;
                    break;
                }

                lo = x;
            }
        }

        while (hi - lo > 1)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Probe(mid).Meets)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        var answer = cache[hi];
        var spareReplicas = options.Spares ? SpareReplicas(hi, tp, scenario.Failures!, options.SpareQuantile) : 0;
        var servingGpus = hi * tp;
        var totalGpus = servingGpus + (spareReplicas * tp);
        var cost = CostModel.For(gpu, scenario.Cost);
        var sim = answer.Result;
        var analyticTokens = analytic.ReplicaOutputTokensPerSecond * analytic.Replicas * analytic.Utilization;
        var f = CultureInfo.InvariantCulture;
        var assumptions = new List<string>
        {
            string.Format(f, "SLO: TTFT <= {0} s and TPOT <= {1} s for at least {2:P2} of requests (dropped requests count as misses)", scenario.Slo.TtftSeconds, scenario.Slo.TpotSeconds, target),
            string.Format(f, "replicas of {0} x {1} spread round-robin over datacenters {2}", tp, gpu.Name, string.Join(", ", datacenters)),
            "every probe replays the same requests (same seed); the search assumes attainment rises with the fleet size",
            string.Format(f, "cost: straight-line depreciation of {0} {1:N0} over {2} months to {3:P0} salvage, {4} h per month", cost.Currency, cost.PurchasePrice, cost.LifeMonths, cost.SalvageFraction, CostModel.HoursPerMonth),
            string.Format(f, "power at TDP {0} W x PUE {1} x {2} {3}/kWh (an upper bound; GPUs seldom run at TDP all hour)", cost.TdpW, cost.Pue, cost.PricePerKwh, cost.Currency),
            "cost per million output tokens = fleet cost per hour (spares included) / simulated output tokens per hour; prompt tokens are not counted",
        };
        if (options.Spares)
        {
            assumptions.Add(string.Format(f, "spares: {0} replicas cover the {1:P1} quantile of replicas down at once, Poisson with mean replicas x {2} GPUs x {3} failures/GPU-day x {4} h repair / 24",
                spareReplicas, options.SpareQuantile, tp, scenario.Failures!.GpuFailuresPerDay, scenario.Failures.RepairHours));
        }

        if (options.SurviveDatacenterLoss)
        {
            assumptions.Add("datacenter loss: each datacenter in turn is down for the whole run; its load goes to the others through routing");
        }

        return new CapacityResult
        {
            Scenario = scenario.Name,
            GpuModel = gpu.Name,
            TensorParallel = tp,
            TargetAttainment = target,
            DemandRequestsPerSecond = analytic.DemandRequestsPerSecond,
            Gpus = totalGpus,
            ServingGpus = servingGpus,
            SpareGpus = spareReplicas * tp,
            Replicas = hi + spareReplicas,
            Attainment = answer.Attainment,
            AttainmentStandardError = sim.Requests > 0 ? Math.Sqrt(answer.Attainment * (1 - answer.Attainment) / sim.Requests) : 0,
            GpusBelow = hi > 1 ? (hi - 1) * tp : null,
            AttainmentBelow = hi > 1 ? Probe(hi - 1).Attainment : null,
            SurviveDatacenterLoss = options.SurviveDatacenterLoss,
            DatacenterLoss = answer.Losses,
            Simulated = new SimulatedAtAnswer(sim.Ttft.P99, sim.Tpot.P99, sim.ThroughputTokensPerSecond, sim.Goodput, sim.Utilization, sim.MeanBatchSize),
            Analytic = analytic,
            Cost = new CostSummary(cost.Currency, cost.PurchasePrice, cost.LifeMonths, cost.SalvageFraction, cost.TdpW, cost.Pue, cost.PricePerKwh,
                Math.Round(cost.DepreciationPerGpuHour, 4), Math.Round(cost.PowerPerGpuHour, 4), Math.Round(cost.CostPerGpuHour, 4),
                Math.Round(cost.CostPerGpuHour * totalGpus, 2),
                cost.CostPerMillionTokens(totalGpus, sim.ThroughputTokensPerSecond) is { } c ? Math.Round(c, 4) : null,
                cost.CostPerMillionTokens(analytic.Gpus, analyticTokens) is { } a ? Math.Round(a, 4) : null),
            Probes = probes.OrderBy(p => p.Gpus).ToList(),
            Assumptions = assumptions,
        };
    }

    /// <summary>Smallest k with P(Poisson(mean) ≤ k) ≥ quantile, mean = replicas × tp × failures/day × repair days.</summary>
    public static int SpareReplicas(int replicas, int tensorParallel, FailureSpec failures, double quantile)
    {
        var mean = replicas * tensorParallel * failures.GpuFailuresPerDay * failures.RepairHours / 24;
        if (mean <= 0)
        {
            return 0;
        }

        // Sum the Poisson pmf in log space so large means do not underflow.
        var k = 0;
        var logTerm = -mean;
        var cdf = Math.Exp(logTerm);
        while (cdf < quantile && k < 10_000_000)
        {
            k++;
            logTerm += Math.Log(mean / k);
            cdf += Math.Exp(logTerm);
        }

        return k;
    }

    /// <summary>The scenario with its fleet replaced by <paramref name="replicas"/> replicas of <paramref name="pool"/> spread over the datacenters.</summary>
    public static Scenario Sized(Scenario scenario, FleetPool pool, IReadOnlyList<string> datacenters, int replicas)
    {
        var fleet = new List<FleetPool>();
        for (var d = 0; d < datacenters.Count; d++)
        {
            var share = (replicas / datacenters.Count) + (d < replicas % datacenters.Count ? 1 : 0);
            fleet.Add(pool with { Datacenter = datacenters[d], Gpus = share * pool.TensorParallel });
        }

        return scenario with { Fleet = fleet };
    }
}
