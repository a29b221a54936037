using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

/// <summary>The jump-ahead engine against the same engine stepping once per event (its reference).</summary>
public class SimulatorJumpTests
{
    private static readonly Simulator s_jumped = new() { RecordRequests = true };
    private static readonly Simulator s_stepped = new() { StepByStep = true, RecordRequests = true };

    public static TheoryData<string> Scenarios =>
    [
        "few-per-replica", "round-robin", "least-outstanding", "shared-queue", "shared-queue-batched", "chunked", "chunked-round-robin",
        "failures", "outage", "kv-pressure", "kv-pressure-shared", "clamped", "profile", "profile-by-batch",
    ];

    private static Scenario Build(string name)
    {
        var roofline = TestScenarios.Roofline(4, 100, 60);
        return name switch
        {
            // The benchmark's shape, small: a few sequences per replica, so nearly every step would be its own event.
            "few-per-replica" => TestScenarios.Queue(20, 16, new UniformTokens(50, 350), 0.02, 100, RoutingPolicy.RoundRobin, maxBatch: 32),
            "round-robin" => roofline with { Scheduler = roofline.Scheduler with { Routing = RoutingPolicy.RoundRobin } },
            "least-outstanding" => roofline,
            "shared-queue" => roofline with { Scheduler = roofline.Scheduler with { Routing = RoutingPolicy.SharedQueue } },
            "shared-queue-batched" => TestScenarios.Queue(6, 4, new GeometricTokens(80), 0.01, 300, RoutingPolicy.SharedQueue, maxBatch: 4),
            "chunked" => roofline with { Scheduler = roofline.Scheduler with { ChunkedPrefillTokens = 256 } },
            "chunked-round-robin" => roofline with { Scheduler = roofline.Scheduler with { ChunkedPrefillTokens = 512, Routing = RoutingPolicy.RoundRobin } },
            "failures" => roofline with { Failures = new FailureSpec(400, 0.004) },
            "outage" => roofline with { Outage = new OutageSpec("east", 20, 40) },
            // 6,000 KV tokens hold six or so requests of 100–900 prompt tokens: admission waits on the cache, not the batch.
            "kv-pressure" => roofline with { Scheduler = roofline.Scheduler with { KvCacheTokens = 6000, Routing = RoutingPolicy.RoundRobin } },
            "kv-pressure-shared" => roofline with { Scheduler = roofline.Scheduler with { KvCacheTokens = 6000, Routing = RoutingPolicy.SharedQueue } },
            "clamped" => TestScenarios.Queue(2, 20, new GeometricTokens(50), 1e-7, 30, RoutingPolicy.RoundRobin, maxBatch: 16) with
            {
                Model = new ModelSpec(ModelPresets.Llama31_70B, "bf16"),
                Fleet = [new FleetPool("east", TestScenarios.H100, 16, 8)],
                Performance = new FixedPerformance(1e-9, 1e-7),
            },
            "profile" => roofline with { Performance = new ProfilePerformance("test", Profile()) },
            // Per-batch decode lines (issue 15): interpolated up to batch 8, beyond it extrapolated with a slope that turns
            // flat at Σctx = 10,000 inside the runs; with a request overhead, which must not change the engine's timing.
            "profile-by-batch" => roofline with
            {
                Performance = new ProfilePerformance("test", Profile() with
                {
                    DecodeByBatch = [new BatchDecodeFit(1, 0.006, 3e-7), new BatchDecodeFit(2, 0.0065, 2.5e-7), new BatchDecodeFit(8, 0.008, 1e-7)],
                }, 0.003),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Run_JumpedAndStepByStep_Agree(string scenario)
    {
        var s = Build(scenario);
        var requests = RequestGenerator.Generate(s);

        var stepped = s_stepped.Run(s, requests);
        var jumped = s_jumped.Run(s, requests);

        Assert.True(stepped.Completed > 100, $"{stepped.Completed} completed");
        Assert.True(jumped.Engine.StepEvents < stepped.Engine.StepEvents, $"jumped {jumped.Engine.StepEvents} step events vs stepped {stepped.Engine.StepEvents}");
        Assert.True(scenario != "clamped" || stepped.Engine.StepsClampedToRoofline > 0, "the clamped scenario clamps");
        Assert.True(scenario is not ("failures" or "outage") || stepped.Restarted > 0, "failures and outages restart work");
        Assert.Equal(stepped.Completed, jumped.Completed);
        Assert.Equal(stepped.Dropped, jumped.Dropped);
        Assert.Equal(stepped.Restarted, jumped.Restarted);
        Assert.Equal(stepped.Engine.Steps, jumped.Engine.Steps);
        Assert.Equal(stepped.Engine.StepsClampedToRoofline, jumped.Engine.StepsClampedToRoofline);
        Close(stepped.MakespanSeconds, jumped.MakespanSeconds);
        Close(stepped.Ttft, jumped.Ttft);
        Close(stepped.Tpot, jumped.Tpot);
        Close(stepped.E2e, jumped.E2e);
        Close(stepped.Wait, jumped.Wait);
        Close(stepped.Utilization, jumped.Utilization);
        Close(stepped.MeanBatchSize, jumped.MeanBatchSize);
        Close(stepped.SloAttainment, jumped.SloAttainment);

        var a = stepped.Records!;
        var b = jumped.Records!;
        for (var i = 0; i < a.Arrival.Length; i++)
        {
            Assert.Equal(a.Replica[i], b.Replica[i]);
            Close(a.Admitted[i], b.Admitted[i]);
            Close(a.FirstToken[i], b.FirstToken[i]);
            Close(a.Finished[i], b.Finished[i]);
        }
    }

    [Fact]
    public void Run_FewSequencesPerReplica_CostsEventsPerBatchChangeNotPerStep()
    {
        var s = Build("few-per-replica");

        var stepped = s_stepped.Run(s);
        var jumped = s_jumped.Run(s);

        // About three sequences per replica and a 200-token mean output: each request brings an arrival, a prefill,
        // a cut run and a completion, so events track requests, not the ~100,000 decode steps.
        Assert.True(stepped.Engine.Steps > 90_000, $"{stepped.Engine.Steps} steps");
        Assert.True(stepped.Engine.StepEvents >= stepped.Engine.Steps * 0.99, "the reference steps once per event");
        Assert.True(jumped.Engine.StepEvents < jumped.Requests * 5, $"{jumped.Engine.StepEvents} step events for {jumped.Requests} requests");
        Assert.True(jumped.Engine.Events * 10 < stepped.Engine.Events, $"jumped {jumped.Engine.Events} events vs stepped {stepped.Engine.Events}");
    }

    [Fact]
    public void Seconds_RooflineDecodeRun_EqualsSumOfSteps()
    {
        // 70B on one H100 at batch 48 is memory-bound at short context and compute-bound at long: the run crosses a kink.
        var scenario = TestScenarios.Roofline(1, 1, 1);
        var model = new Performance.RooflineStepModel(new ModelSpec(ModelPresets.Llama31_70B, "bf16"), TestScenarios.H100, 1, 0.6, 0.75, 0.002);
        var floor = Performance.RooflineStepModel.Floor(scenario.Model, TestScenarios.H100, 1);
        var run = new DecodeRun(model, floor);

        const int batch = 48;
        const long context = 1000, steps = 20_000;
        var expected = 0.0;
        for (long k = 0; k < steps; k++)
        {
            expected += Math.Max(model.StepSeconds(new Performance.StepShape(0, 0, batch, context + (k * batch))), floor.StepSeconds(new Performance.StepShape(0, 0, batch, context + (k * batch))));
        }

        var seconds = run.Seconds(batch, context, steps, out var clamped);

        Assert.Equal(0, clamped);
        Assert.InRange(seconds, expected * (1 - 1e-9), expected * (1 + 1e-9));

        // Half-way through in time, the step in progress is the one whose start is the last at or before that time.
        var started = run.StartedBy(batch, context, steps, expected / 2, inclusive: true, out var end, out _);
        var t = 0.0;
        long k2 = 0;
        for (; k2 < steps; k2++)
        {
            if (t > expected / 2)
            {
                break;
            }

            t += Math.Max(model.StepSeconds(new Performance.StepShape(0, 0, batch, context + (k2 * batch))), floor.StepSeconds(new Performance.StepShape(0, 0, batch, context + (k2 * batch))));
        }

        Assert.Equal(k2, started);
        Assert.InRange(end, t * (1 - 1e-9), t * (1 + 1e-9));
    }

    private static PerformanceProfile Profile() => new()
    {
        GpuModel = "H100 SXM5 80GB",
        Model = "llama-3.1-8b",
        Dtype = "bf16",
        Ceilings = new ProfileCeilings(3e12, 8e14),
        Prefill = new QuadraticFit(0.004, 2e-5, 1e-9),
        Decode = new DecodeFit(0.006, 3e-7, 4e-5),
        Memory = new ProfileMemory(80_000_000_000, 16_000_000_000, 131_072, []),
    };

    private static void Close(double expected, double actual)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual), $"expected NaN, got {actual}");
            return;
        }

        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");
    }

    private static void Close(LatencyStats expected, LatencyStats actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Close(expected.Mean, actual.Mean);
        Close(expected.P50, actual.P50);
        Close(expected.P90, actual.P90);
        Close(expected.P99, actual.P99);
        Close(expected.Max, actual.Max);
    }
}
