using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

/// <summary>Scenarios built in code for the engine tests (the parser has its own tests).</summary>
internal static class TestScenarios
{
    public static readonly GpuModel H100 = GpuCatalog.Find("H100 SXM5 80GB")!;

    /// <summary>
    /// A queue: <paramref name="replicas"/> replicas, fixed step time <paramref name="step"/> (prefill free), Poisson arrivals.
    /// With maxBatch 1 each request holds its replica for output × step seconds.
    /// </summary>
    public static Scenario Queue(int replicas, double rate, TokenDistribution output, double step, double duration,
        RoutingPolicy routing = RoutingPolicy.SharedQueue, int maxBatch = 1, int seed = 1, long? kvTokens = 10_000_000, TokenDistribution? prompt = null) => new()
        {
            Name = "queue",
            Seed = seed,
            DurationSeconds = duration,
            Model = new ModelSpec(ModelPresets.Llama32_1B, "bf16"),
            Fleet = [new FleetPool("east", H100, replicas, 1)],
            Performance = new FixedPerformance(0, step),
            Workload = new WorkloadSpec(new PoissonArrival(rate), prompt ?? new FixedTokens(16), output),
            Scheduler = new SchedulerSpec { MaxBatch = maxBatch, KvCacheTokens = kvTokens, Routing = routing },
            Slo = new SloSpec(1, 1, 99),
        };

    /// <summary>llama-3.1-8b on H100s with the roofline model, spread over two datacenters.</summary>
    public static Scenario Roofline(int replicasPerDc, double rate, double duration, int maxBatch = 64, int seed = 3,
        RoutingPolicy routing = RoutingPolicy.LeastOutstanding, int chunk = 0, long? kvTokens = null) => new()
        {
            Name = "roofline",
            Seed = seed,
            DurationSeconds = duration,
            Model = new ModelSpec(ModelPresets.Llama31_8B, "bf16"),
            Fleet = [new FleetPool("east", H100, replicasPerDc, 1), new FleetPool("west", H100, replicasPerDc, 1)],
            Performance = new RooflinePerformance(0.6, 0.75, 0.002),
            Workload = new WorkloadSpec(new PoissonArrival(rate), new UniformTokens(100, 900), new GeometricTokens(100)),
            Scheduler = new SchedulerSpec { MaxBatch = maxBatch, ChunkedPrefillTokens = chunk, Routing = routing, KvCacheTokens = kvTokens },
            Slo = new SloSpec(0.5, 0.05, 99),
        };
}
