using System.Text.Json;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

public class SimulatorBehaviourTests
{
    private static readonly Simulator s_simulator = new() { RecordRequests = true };

    public static TheoryData<string> Variants => ["round-robin", "least-outstanding", "shared-queue", "chunked", "failures", "outage", "overload"];

    private static Scenario Variant(string name)
    {
        var s = TestScenarios.Roofline(4, 100, 120);
        return name switch
        {
            "round-robin" => s with { Scheduler = s.Scheduler with { Routing = RoutingPolicy.RoundRobin } },
            "shared-queue" => s with { Scheduler = s.Scheduler with { Routing = RoutingPolicy.SharedQueue } },
            "chunked" => s with { Scheduler = s.Scheduler with { ChunkedPrefillTokens = 512 } },
            "failures" => s with { Failures = new FailureSpec(200, 0.005) },
            "outage" => s with { Outage = new OutageSpec("east", 30, 60) },
            "overload" => s with { Workload = s.Workload with { Arrival = new PoissonArrival(400) } },
            _ => s,
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Simulate_AnyVariant_LittlesLawHolds(string variant)
    {
        var result = s_simulator.Run(Variant(variant));

        // L from the engine's time integral of requests in system; λ and W recomputed here from the records.
        var r = result.Records!;
        var timeInSystem = 0.0;
        for (var i = 0; i < r.Arrival.Length; i++)
        {
            timeInSystem += r.Finished[i] - r.Arrival[i];
        }

        var throughput = r.Arrival.Length / result.MakespanSeconds;
        var meanTime = timeInSystem / r.Arrival.Length;
        Assert.Equal(result.Requests, result.Completed + result.Dropped);
        Assert.InRange(result.LittlesLaw.MeanInSystem, throughput * meanTime * 0.98, throughput * meanTime * 1.02);
        Assert.True(result.LittlesLaw.RelativeError < 0.02);
    }

    [Fact]
    public void Simulate_RaisingMaxBatch_ThroughputRisesUntilKvCapacityBinds()
    {
        // Every request needs 300 KV tokens; 4,800 tokens hold 16 at once.
        var baseline = TestScenarios.Roofline(1, 1000, 20);
        var scenario = baseline with
        {
            Fleet = [baseline.Fleet[0]],
            Workload = new WorkloadSpec(new PoissonArrival(1000), new FixedTokens(200), new FixedTokens(100)),
        };
        double Throughput(int maxBatch, out double meanBatch)
        {
            var r = s_simulator.Run(scenario with { Scheduler = scenario.Scheduler with { MaxBatch = maxBatch, KvCacheTokens = 4800 } });
            meanBatch = r.MeanBatchSize;
            return r.ThroughputTokensPerSecond;
        }

        var t1 = Throughput(1, out _);
        var t4 = Throughput(4, out _);
        var t16 = Throughput(16, out var b16);
        var t64 = Throughput(64, out var b64);

        Assert.True(t4 > t1 * 1.5, $"maxBatch 4: {t4} vs 1: {t1}");
        Assert.True(t16 > t4 * 1.5, $"maxBatch 16: {t16} vs 4: {t4}");
        Assert.InRange(t64, t16 * 0.99, t16 * 1.01);
        Assert.True(b16 <= 16 && b64 <= 16, $"KV holds 16 requests but mean batch was {b64}");
    }

    [Fact]
    public void Simulate_RisingLoad_LatencyRises()
    {
        var e2e = new List<double>();
        var ttft = new List<double>();
        foreach (var rate in new[] { 30.0, 90.0, 150.0, 210.0 })
        {
            var s = TestScenarios.Roofline(4, rate, 120);
            var r = s_simulator.Run(s);
            e2e.Add(r.E2e.Mean);
            ttft.Add(r.Ttft.P90);
        }

        for (var i = 1; i < e2e.Count; i++)
        {
            Assert.True(e2e[i] > e2e[i - 1], $"mean e2e {string.Join(", ", e2e)}");
            Assert.True(ttft[i] > ttft[i - 1], $"p90 ttft {string.Join(", ", ttft)}");
        }
    }

    [Fact]
    public void Simulate_OutageOfOneDatacenter_MovesItsLoadToTheOther()
    {
        var scenario = TestScenarios.Roofline(4, 100, 180) with { Outage = new OutageSpec("east", 60, 120) };

        var result = s_simulator.Run(scenario);

        // Replicas 0-3 are east, 4-7 west (pools in order).
        var r = result.Records!;
        var servedEastDuringOutage = 0;
        var arrivedDuringOutage = 0;
        for (var i = 0; i < r.Arrival.Length; i++)
        {
            if (r.Arrival[i] >= 60 && r.Arrival[i] < 120)
            {
                arrivedDuringOutage++;
                servedEastDuringOutage += r.Replica[i] < 4 ? 1 : 0;
                Assert.True(r.Finished[i] >= r.Arrival[i]);
            }
        }

        Assert.True(arrivedDuringOutage > 5000);
        Assert.Equal(0, servedEastDuringOutage);
        Assert.Equal(0, result.Dropped);
        Assert.True(result.Restarted > 0, "requests running in east at the outage restart in west");
        var east = result.Datacenters.Single(d => d.Name == "east");
        var west = result.Datacenters.Single(d => d.Name == "west");
        Assert.True(west.Completed > east.Completed * 1.3, $"west {west.Completed} east {east.Completed}");
        Assert.Equal(4, result.PerMinute[1].ReplicasUp, 6);
        Assert.Equal(8, result.PerMinute[0].ReplicasUp, 6);

        var calm = s_simulator.Run(scenario with { Outage = null });
        Assert.InRange(calm.Datacenters[0].Completed, calm.Completed * 0.45, calm.Completed * 0.55);
    }

    [Fact]
    public void Simulate_PerformanceModelFasterThanHardware_NeverBeatsRooflineFloor()
    {
        // llama-3.1-70b over 8 H100s: each step reads the weights at least once, so no step beats weights / (8 × 3.35 TB/s).
        var shape = ModelPresets.Llama31_70B;
        var baseline = TestScenarios.Queue(2, 20, new GeometricTokens(50), 1e-7, 30, RoutingPolicy.RoundRobin, maxBatch: 16);
        var scenario = baseline with
        {
            Model = new ModelSpec(shape, "bf16"),
            Fleet = [new FleetPool("east", TestScenarios.H100, 16, 8)],
            Performance = new FixedPerformance(1e-9, 1e-7),
        };
        var weightFloor = shape.Parameters * 2.0 / (8 * 3.35e12);

        var result = s_simulator.Run(scenario);

        var r = result.Records!;
        for (var i = 0; i < r.Arrival.Length; i++)
        {
            Assert.True(r.Finished[i] - r.Arrival[i] >= r.OutputTokens[i] * weightFloor * (1 - 1e-9), $"request {i} beat the floor");
        }

        Assert.True(result.Engine.StepsClampedToRoofline > 0);
        Assert.Contains(result.Warnings, w => w.Contains("roofline floor", StringComparison.Ordinal));

        var roofline = s_simulator.Run(scenario with { Performance = new RooflinePerformance(1, 1, 0) });
        Assert.Equal(0, roofline.Engine.StepsClampedToRoofline);
        Assert.True(roofline.Tpot.Mean >= weightFloor);
    }

    [Fact]
    public void Simulate_SameSeed_SameResult()
    {
        var scenario = Variant("failures");

        var a = JsonSerializer.Serialize(s_simulator.Run(scenario));
        var b = JsonSerializer.Serialize(s_simulator.Run(scenario));
        var c = JsonSerializer.Serialize(s_simulator.Run(scenario with { Seed = scenario.Seed + 1 }));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Simulate_Failures_RestartWorkAndRaiseLatency()
    {
        var calm = s_simulator.Run(TestScenarios.Roofline(4, 150, 120));
        var failing = s_simulator.Run(Variant("failures") with { Workload = new WorkloadSpec(new PoissonArrival(150), new UniformTokens(100, 900), new GeometricTokens(100)) });

        Assert.True(failing.Restarted > 0);
        Assert.True(failing.E2e.Mean > calm.E2e.Mean);
        Assert.Contains(failing.PerMinute, m => m.ReplicasUp < 8 - 1e-9);
    }

    [Fact]
    public void Simulate_RoundRobin_SpreadsRequestsEvenly()
    {
        var scenario = Variant("round-robin");

        var result = s_simulator.Run(scenario);

        var perReplica = result.Records!.Replica.GroupBy(r => r).Select(g => g.Count()).ToList();
        Assert.Equal(8, perReplica.Count);
        Assert.True(perReplica.Max() - perReplica.Min() <= 1);
    }

    [Fact]
    public void Simulate_Results_AgreeWithPerRequestRecords()
    {
        var result = s_simulator.Run(Variant("least-outstanding"));

        var r = result.Records!;
        var waited = 0;
        var met = 0;
        long tokens = 0;
        for (var i = 0; i < r.Arrival.Length; i++)
        {
            waited += r.Admitted[i] > r.Arrival[i] ? 1 : 0;
            var tpot = r.OutputTokens[i] > 1 ? (r.Finished[i] - r.FirstToken[i]) / (r.OutputTokens[i] - 1) : 0;
            met += r.FirstToken[i] - r.Arrival[i] <= 0.5 && tpot <= 0.05 ? 1 : 0;
            tokens += r.OutputTokens[i];
        }

        Assert.Equal((double)waited / r.Arrival.Length, result.WaitProbability, 9);
        Assert.Equal((double)met / r.Arrival.Length, result.SloAttainment, 9);
        Assert.Equal(tokens / result.MakespanSeconds, result.ThroughputTokensPerSecond, 6);
        Assert.Equal((int)Math.Ceiling(result.MakespanSeconds / 60), result.PerMinute.Count);
        Assert.All(result.PerMinute, m => Assert.InRange(m.Utilization, 0, 1));
        Assert.True(result.Ttft.P50 <= result.Ttft.P90 && result.Ttft.P90 <= result.Ttft.P99 && result.Ttft.P99 <= result.Ttft.Max);

        // Percentiles by sorting here, linear interpolation between closest ranks.
        var ttft = Enumerable.Range(0, r.Arrival.Length).Select(i => r.FirstToken[i] - r.Arrival[i]).Order().ToArray();
        double Rank(double p)
        {
            var pos = p / 100 * (ttft.Length - 1);
            var lo = (int)Math.Floor(pos);
            return lo + 1 < ttft.Length ? ttft[lo] + ((pos - lo) * (ttft[lo + 1] - ttft[lo])) : ttft[lo];
        }

        Assert.Equal(Rank(50), result.Ttft.P50, 12);
        Assert.Equal(Rank(90), result.Ttft.P90, 12);
        Assert.Equal(Rank(99), result.Ttft.P99, 12);
        Assert.Equal(ttft[^1], result.Ttft.Max, 12);
        Assert.Equal(ttft.Average(), result.Ttft.Mean, 9);
        Assert.Equal(Rank(99), result.Slo.TtftAtPercentile, 12);
    }

    [Fact]
    public void Simulate_ChunkedPrefill_KeepsDecodesRunningDuringLongPrompts()
    {
        var baseline = TestScenarios.Roofline(2, 40, 120);
        var longPrompts = baseline with { Workload = baseline.Workload with { PromptTokens = new UniformTokens(2000, 6000) } };

        var whole = s_simulator.Run(longPrompts);
        var chunked = s_simulator.Run(longPrompts with { Scheduler = longPrompts.Scheduler with { ChunkedPrefillTokens = 512 } });

        Assert.True(chunked.Tpot.P99 < whole.Tpot.P99, $"chunked {chunked.Tpot.P99} vs whole {whole.Tpot.P99}");
    }

    [Fact]
    public void Simulate_RequestLongerThanKvCache_IsDroppedAsTooLong()
    {
        var scenario = TestScenarios.Queue(2, 10, new FixedTokens(100), 0.001, 10, kvTokens: 50);

        var result = s_simulator.Run(scenario);

        Assert.True(result.Requests > 50);
        Assert.Equal(result.Requests, result.DroppedTooLong);
        Assert.Equal(0, result.Completed);
        Assert.Contains(result.Warnings, w => w.Contains("dropped", StringComparison.Ordinal));
    }

    [Fact]
    public void Simulate_BurstierArrivals_WaitLonger()
    {
        var poisson = TestScenarios.Queue(4, 3, new GeometricTokens(100), 0.01, 20_000);
        var bursty = poisson with { Workload = poisson.Workload with { Arrival = new GammaArrival(3, 0.25) } };

        var smooth = s_simulator.Run(poisson);
        var rough = s_simulator.Run(bursty);

        // Same mean rate; gamma gaps with shape 0.25 have CV² = 4, so Kingman's approximation predicts ~2.5× the wait.
        Assert.InRange(rough.Requests, smooth.Requests * 0.95, smooth.Requests * 1.05);
        Assert.True(rough.Wait.Mean > smooth.Wait.Mean * 1.8, $"bursty {rough.Wait.Mean} vs Poisson {smooth.Wait.Mean}");
    }

    [Fact]
    public void Simulate_SharedQueue_WaitsLessThanDispatchOnArrival()
    {
        // Same servers and load: one queue (M/M/c) pools idle capacity that per-replica queues strand.
        var shared = TestScenarios.Queue(4, 3.2, new GeometricTokens(100), 0.01, 20_000);
        var roundRobin = shared with { Scheduler = shared.Scheduler with { Routing = RoutingPolicy.RoundRobin } };
        var leastOutstanding = shared with { Scheduler = shared.Scheduler with { Routing = RoutingPolicy.LeastOutstanding } };

        var pooled = s_simulator.Run(shared).Wait.Mean;
        var rotated = s_simulator.Run(roundRobin).Wait.Mean;
        var joinShortest = s_simulator.Run(leastOutstanding).Wait.Mean;

        Assert.True(pooled < joinShortest && joinShortest < rotated, $"shared {pooled}, least-outstanding {joinShortest}, round-robin {rotated}");
    }
}
