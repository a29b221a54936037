using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Planning.Analytic;
using Fleet.Planning.Performance;
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
    /// <summary>What one GPU costs to buy (the latest quote), in the scenario's currency; null uses the catalog's typical price.</summary>
    public decimal? UnitPrice { get; init; }
    /// <summary>Each datacenter's PUE and price per kWh by code; a datacenter not listed uses the scenario's <c>cost.pue</c> and <c>cost.pricePerKwh</c>.</summary>
    public IReadOnlyDictionary<string, PowerTerms>? DatacenterPower { get; init; }
    /// <summary>Depreciation terms (finance's policy for the model); null uses the scenario's <c>cost.lifeMonths</c> and <c>cost.salvageFraction</c>.</summary>
    public DepreciationTerms? Policy { get; init; }
    /// <summary>The calendar month monthly opex is stated for; null uses next month.</summary>
    public DateOnly? CostMonth { get; init; }
    /// <summary>Share of TDP a GPU draws on average; null uses <see cref="CostOfOwnership.DefaultLoadFactor"/>.</summary>
    public double? LoadFactor { get; init; }
    /// <summary>Where cost per million tokens is stated; null uses the point the answer served at (mean batch, mean context).</summary>
    public OperatingPoint? OperatingPoint { get; init; }
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

/// <summary>
/// Money figures at the answer from the one cost-of-ownership model (<see cref="CostOfOwnership"/>), with the
/// assumptions behind them. Per-GPU-hour figures are over the calendar hours of <see cref="Month"/>.
/// </summary>
public sealed record CostSummary(
    string Currency, decimal PurchasePricePerGpu, int LifeMonths, decimal SalvageFraction, int TdpW, decimal Pue, decimal PricePerKwh,
    decimal DepreciationPerGpuHour, decimal PowerPerGpuHour, decimal CostPerGpuHour, decimal FleetCostPerHour,
    decimal? CostPerMillionOutputTokens, decimal? AnalyticCostPerMillionOutputTokens)
{
    /// <summary>The first day of the month opex is stated for.</summary>
    public DateOnly Month { get; init; }
    public double HoursInMonth { get; init; }
    public double LoadFactor { get; init; }
    /// <summary>GPUs (spares included) × unit price.</summary>
    public decimal Capex { get; init; }
    /// <summary>Depreciation + power of every GPU for the month; null when a datacenter bills power in another currency.</summary>
    public decimal? MonthlyOpex { get; init; }
    /// <summary>The decode point <see cref="CostPerMillionTokens"/> is stated at.</summary>
    public OperatingPoint? OperatingPoint { get; init; }
    public double? TokensPerSecondPerGpu { get; init; }
    /// <summary>
    /// Monthly opex ÷ the tokens every GPU would decode over the month at <see cref="OperatingPoint"/>: the figure
    /// finance's cost-per-gpu-hour report states for the same cards, month and operating point.
    /// </summary>
    public decimal? CostPerMillionTokens { get; init; }
    public IReadOnlyList<DatacenterCost> Datacenters { get; init; } = [];
}

/// <summary>One datacenter's share of the answer and what it costs a month there.</summary>
public sealed record DatacenterCost(string Datacenter, int Gpus, decimal Pue, decimal PricePerKwh, string Currency, decimal? MonthlyOpex, decimal? CostPerMillionTokens);

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
public sealed class CapacitySearch(Simulator simulator, TimeProvider? time = null)
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
        var sim = answer.Result;
        var analyticTokens = analytic.ReplicaOutputTokensPerSecond * analytic.Replicas * analytic.Utilization;
        var f = CultureInfo.InvariantCulture;
        var cost = PriceAnswer(scenario, options, gpu, pool, datacenters, hi + spareReplicas, sim, analytic.Gpus, analyticTokens);
        var assumptions = new List<string>
        {
            string.Format(f, "SLO: TTFT <= {0} s and TPOT <= {1} s for at least {2:P2} of requests (dropped requests count as misses)", scenario.Slo.TtftSeconds, scenario.Slo.TpotSeconds, target),
            string.Format(f, "replicas of {0} x {1} spread round-robin over datacenters {2}", tp, gpu.Name, string.Join(", ", datacenters)),
            "every probe replays the same requests (same seed); the search assumes attainment rises with the fleet size",
            string.Format(f, "cost: {0} {1:N2} a GPU ({2}), straight-line over {3} months to {4:P0} salvage (full-month convention), opex for {5:yyyy-MM} ({6} calendar hours)",
                cost.Currency, cost.PurchasePricePerGpu, options.UnitPrice is null ? "catalog price" : "quoted price", cost.LifeMonths, cost.SalvageFraction, cost.Month, cost.HoursInMonth),
            string.Format(f, "power at TDP {0} W x load {1:0.##} x each datacenter's PUE x price per kWh ({2})", cost.TdpW, cost.LoadFactor,
                string.Join("; ", cost.Datacenters.Select(d => string.Format(f, "{0}: PUE {1}, {2} {3}/kWh", d.Datacenter, d.Pue, d.PricePerKwh, d.Currency)))),
            "cost per million output tokens (simulated) = fleet cost per hour (spares included) / simulated output tokens per hour; prompt tokens are not counted",
            string.Format(f, "cost per million tokens at the operating point ({0}) = monthly opex / tokens every GPU would decode at that point all month (the finance report's figure)", cost.OperatingPoint),
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
            Cost = cost,
            Probes = probes.OrderBy(p => p.Gpus).ToList(),
            Assumptions = assumptions,
        };
    }

    /// <summary>Prices <paramref name="replicas"/> replicas spread as <see cref="Sized"/> spreads them, through <see cref="CostOfOwnership.ForPlan"/> per datacenter.</summary>
    private CostSummary PriceAnswer(Scenario scenario, CapacityOptions options, GpuModel gpu, FleetPool pool, IReadOnlyList<string> datacenters, int replicas,
        SimulationResult sim, int analyticGpus, double analyticTokensPerSecond)
    {
        var spec = scenario.Cost;
        var price = options.UnitPrice ?? gpu.TypicalPriceUsd;
        var policy = options.Policy ?? new DepreciationTerms(spec.LifeMonths ?? gpu.DepreciationMonths, null, spec.SalvageFraction * 100m);
        var load = options.LoadFactor ?? CostOfOwnership.DefaultLoadFactor;
        var month = options.CostMonth ?? NextMonth();
        var (_, prompt, output) = AnalyticEstimator.Demand(scenario);
        var point = (options.OperatingPoint ?? new OperatingPoint(Math.Max(1, Math.Round(sim.MeanBatchSize, 1)), Math.Round(prompt + (output / 2)))).Validated();
        var tokensPerGpu = TokensPerSecondPerGpu(scenario, pool, point);
        PeriodCost? total = null;
        var perDc = new List<DatacenterCost>();
        var sized = Sized(scenario, pool, datacenters, replicas);
        foreach (var share in sized.Fleet)
        {
            var power = options.DatacenterPower?.GetValueOrDefault(share.Datacenter) ?? new PowerTerms(spec.Pue, spec.PricePerKwh, spec.Currency);
            var plan = CostOfOwnership.ForPlan(gpu, share.Gpus, price, spec.Currency, power, policy, month, tokensPerGpu, load);
            perDc.Add(new DatacenterCost(share.Datacenter, share.Gpus, power.Pue, power.PricePerKwh, power.Currency, plan.MonthlyOpex, plan.CostPerMillionTokens));
            total = total is null ? plan.Period : total + plan.Period;
        }

        var period = total!;
        var gpus = replicas * pool.TensorParallel;
        var hours = CostOfOwnership.MonthHours(month);
        decimal PerMillion(int n, double tokensPerSecond) =>
            period.Total is { } t && tokensPerSecond > 0 && n > 0 ? Math.Round(t / (decimal)hours * n / gpus / (decimal)(tokensPerSecond * 3600 / 1e6), 4) : 0m;
        var first = perDc[0];
        return new CostSummary(spec.Currency, price, policy.LifeMonths, price > 0 ? Depreciation.Salvage(price, policy) / price : 0m, gpu.TdpW, first.Pue, first.PricePerKwh,
            period.GpuHours > 0 ? Math.Round(period.Depreciation / (decimal)period.GpuHours, 4) : 0m,
            period.Power is { } p && period.GpuHours > 0 ? Math.Round(p / (decimal)period.GpuHours, 4) : 0m,
            period.PerGpuHour ?? 0m,
            period.Total is { } all ? Math.Round(all / (decimal)hours, 2) : 0m,
            period.Total is null ? null : PerMillion(gpus, sim.ThroughputTokensPerSecond),
            period.Total is null ? null : PerMillion(analyticGpus, analyticTokensPerSecond))
        {
            Month = month,
            HoursInMonth = hours,
            LoadFactor = load,
            Capex = gpus * price,
            MonthlyOpex = period.Total,
            OperatingPoint = point,
            TokensPerSecondPerGpu = tokensPerGpu,
            CostPerMillionTokens = period.PerMillionTokens(tokensPerGpu),
            Datacenters = perDc,
        };
    }

    /// <summary>
    /// Output tokens per second one GPU decodes at <paramref name="point"/>: from the profile's decode fit when the
    /// scenario runs on a measured profile (as finance reads it), else from the scenario's step model; a replica's
    /// rate is shared by its tensor-parallel GPUs.
    /// </summary>
    public static double TokensPerSecondPerGpu(Scenario scenario, FleetPool pool, OperatingPoint point)
    {
        var perReplica = scenario.Performance is ProfilePerformance p
            ? point.TokensPerSecond(p.Profile.Decode)
            : StepCostModels.For(scenario, pool) is var model && (int)Math.Round(point.Batch) is var b
                && model.StepSeconds(new StepShape(0, 0, b, (long)(b * point.Context))) is var s and > 0 ? b / s : 0;
        return perReplica / pool.TensorParallel;
    }

    private DateOnly NextMonth()
    {
        var now = DateOnly.FromDateTime((time ?? TimeProvider.System).GetUtcNow().UtcDateTime);
        return new DateOnly(now.Year, now.Month, 1).AddMonths(1);
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
