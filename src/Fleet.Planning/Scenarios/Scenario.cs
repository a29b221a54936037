using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Domain.Serving;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Scenarios;

/// <summary>A validated planning scenario (<c>fleet.scenario/v1</c>): what to serve, on what, under which demand and SLO.</summary>
public sealed record Scenario
{
    public const string CurrentSchema = "fleet.scenario/v1";

    public string Schema { get; init; } = CurrentSchema;
    public string? Name { get; init; }
    public int Seed { get; init; }
    /// <summary>Arrivals are generated over [0, DurationSeconds); the simulation then drains.</summary>
    public double DurationSeconds { get; init; }
    public required ModelSpec Model { get; init; }
    public required IReadOnlyList<FleetPool> Fleet { get; init; }
    public required PerformanceSpec Performance { get; init; }
    public required WorkloadSpec Workload { get; init; }
    public required SchedulerSpec Scheduler { get; init; }
    public required SloSpec Slo { get; init; }
    public FailureSpec? Failures { get; init; }
    public OutageSpec? Outage { get; init; }
    public CostSpec Cost { get; init; } = new();

    /// <summary>Datacenter names in the order they first appear in the fleet.</summary>
    public IReadOnlyList<string> Datacenters => Fleet.Select(p => p.Datacenter).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>The transformer served and the number format of its weights and KV cache.</summary>
public sealed record ModelSpec(ModelShape Shape, string Dtype)
{
    /// <summary>Bytes per weight and per KV element.</summary>
    public int BytesPerElement => DtypeInfo.Bytes(Dtype);

    /// <summary>The catalog precision whose peak bounds compute.</summary>
    public Precision Precision => DtypeInfo.Precision(Dtype);
}

/// <summary>Number formats a scenario may name, with their size and catalog precision.</summary>
public static class DtypeInfo
{
    public static IReadOnlyList<string> Names { get; } = ["fp32", "fp16", "bf16", "fp8"];

    public static int Bytes(string dtype) => dtype switch
    {
        "fp32" => 4,
        "fp16" or "bf16" => 2,
        "fp8" => 1,
        _ => throw new ArgumentException($"Unknown dtype '{dtype}'.", nameof(dtype)),
    };

    public static Precision Precision(string dtype) => dtype switch
    {
        "fp32" => Domain.Catalog.Precision.Fp32,
        "fp16" => Domain.Catalog.Precision.Fp16,
        "bf16" => Domain.Catalog.Precision.Bf16,
        "fp8" => Domain.Catalog.Precision.Fp8,
        _ => throw new ArgumentException($"Unknown dtype '{dtype}'.", nameof(dtype)),
    };
}

/// <summary>GPUs of one catalog model in one datacenter, grouped into replicas of <see cref="TensorParallel"/> GPUs.</summary>
public sealed record FleetPool(string Datacenter, GpuModel GpuModel, int Gpus, int TensorParallel)
{
    public int Replicas => Gpus / TensorParallel;
}

/// <summary>Where step times come from.</summary>
public abstract record PerformanceSpec;

/// <summary>Step times from catalog specs: max(FLOPs / (peak × computeEfficiency), bytes / (bandwidth × bandwidthEfficiency)) + overhead.</summary>
public sealed record RooflinePerformance(double ComputeEfficiency = 0.6, double BandwidthEfficiency = 0.75, double StepOverheadSeconds = 0) : PerformanceSpec;

/// <summary>Step times from a measured inference profile.</summary>
/// <param name="RequestOverheadSeconds">
/// Fixed seconds each request spends outside engine steps (HTTP, hand-off to the engine, first flush to the client),
/// added to every request's TTFT and end-to-end latency; it occupies no replica. Scenario field
/// <c>performance.requestOverheadSeconds</c>, default 0; <c>fleet plan validate</c> takes the profile's measured
/// <see cref="PerformanceProfile.RequestOverheadSeconds"/>.
/// </param>
public sealed record ProfilePerformance(string Path, PerformanceProfile Profile, double RequestOverheadSeconds = 0) : PerformanceSpec;

/// <summary>Step time = decodeStepSeconds + prefillSecondsPerToken × prefill tokens in the step.</summary>
public sealed record FixedPerformance(double PrefillSecondsPerToken, double DecodeStepSeconds) : PerformanceSpec;

/// <summary>The demand: when requests arrive and how long they are.</summary>
public sealed record WorkloadSpec(ArrivalSpec Arrival, TokenDistribution? PromptTokens, TokenDistribution? OutputTokens);

/// <summary>When requests arrive.</summary>
public abstract record ArrivalSpec;

/// <summary>Exponential inter-arrival times.</summary>
public sealed record PoissonArrival(double RatePerSecond) : ArrivalSpec;

/// <summary>Gamma inter-arrival times with shape = burstiness (1 = Poisson, below 1 burstier), mean 1/rate, as in vLLM's benchmark.</summary>
public sealed record GammaArrival(double RatePerSecond, double Burstiness) : ArrivalSpec;

/// <summary>Non-homogeneous Poisson: rate × hourlyFactors[hour of day], hour 0 starting at second 0.</summary>
public sealed record DailyArrival(double RatePerSecond, IReadOnlyList<double> HourlyFactors) : ArrivalSpec;

/// <summary>Arrivals replayed from a CSV trace (arrival_timestamp,prompt_tokens,output_tokens).</summary>
public sealed record TraceArrival(string Path, IReadOnlyList<TraceEntry> Entries) : ArrivalSpec;

/// <summary>One request of a trace.</summary>
public readonly record struct TraceEntry(double ArrivalSeconds, int PromptTokens, int OutputTokens);

/// <summary>How requests are batched, admitted and routed.</summary>
public sealed record SchedulerSpec
{
    public int MaxBatch { get; init; }
    /// <summary>KV-cache tokens per replica; null derives it from GPU memory minus weights.</summary>
    public long? KvCacheTokens { get; init; }
    /// <summary>Share of GPU memory the server may use for weights and KV cache (vLLM's gpu_memory_utilization).</summary>
    public double MemoryUtilization { get; init; } = 0.9;
    /// <summary>Token budget per step for chunked prefill; 0 = off (a step prefills whole prompts and pauses decodes).</summary>
    public int ChunkedPrefillTokens { get; init; }
    public RoutingPolicy Routing { get; init; } = RoutingPolicy.RoundRobin;

    /// <summary>The admission and step rules every replica follows (the ones <c>fleet infer serve</c> runs).</summary>
    public BatchingPolicy Policy => new(MaxBatch, ChunkedPrefillTokens);
}

/// <summary>How arrivals reach replicas.</summary>
public enum RoutingPolicy
{
    /// <summary>Dispatch on arrival to the next up replica in turn.</summary>
    RoundRobin,
    /// <summary>Dispatch on arrival to the up replica with the fewest queued plus running requests.</summary>
    LeastOutstanding,
    /// <summary>One queue; a replica pulls from it whenever it has room.</summary>
    SharedQueue,
}

/// <summary>Latency objectives a request must meet to count toward goodput.</summary>
public sealed record SloSpec(double TtftSeconds, double TpotSeconds, double Percentile = 99);

/// <summary>Random GPU failures: each takes its replica down for the repair time.</summary>
public sealed record FailureSpec(double GpuFailuresPerDay, double RepairHours);

/// <summary>A whole datacenter down over [FromSecond, ToSecond).</summary>
public sealed record OutageSpec(string Datacenter, double FromSecond, double ToSecond);

/// <summary>Assumptions behind cost per GPU-hour and per million tokens.</summary>
public sealed record CostSpec
{
    /// <summary>Depreciation life; null uses the catalog model's life.</summary>
    public int? LifeMonths { get; init; }
    /// <summary>Resale value at end of life as a share of the purchase price.</summary>
    public decimal SalvageFraction { get; init; }
    public decimal Pue { get; init; } = 1.3m;
    public decimal PricePerKwh { get; init; } = 0.10m;
    public string Currency { get; init; } = "USD";
}
