using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

/// <summary>
/// A separable run (round-robin, no failures, no outage) split into parts that run side by side against the same run
/// over the whole fleet: every request's times are the same to the bit; only the summed time integrals may differ in
/// the last digits.
/// </summary>
public class SimulatorPartsTests
{
    private static readonly Simulator s_whole = new() { Parts = 1, RecordRequests = true };
    private static readonly Simulator s_parts = new() { Parts = 3, RecordRequests = true };

    public static TheoryData<string> Separable => ["few-per-replica", "round-robin", "chunked-round-robin", "kv-pressure", "too-long"];

    public static TheoryData<string> NotSeparable => ["least-outstanding", "shared-queue", "failures", "outage"];

    private static Scenario Build(string name)
    {
        var roofline = TestScenarios.Roofline(4, 100, 60, routing: RoutingPolicy.RoundRobin);
        return name switch
        {
            "few-per-replica" => TestScenarios.Queue(20, 16, new UniformTokens(50, 350), 0.02, 100, RoutingPolicy.RoundRobin, maxBatch: 32),
            "round-robin" => roofline,
            "chunked-round-robin" => roofline with { Scheduler = roofline.Scheduler with { ChunkedPrefillTokens = 512 } },
            "kv-pressure" => roofline with { Scheduler = roofline.Scheduler with { KvCacheTokens = 6000 } },
            // Prompts of 100–900 tokens against a 700-token cache: some requests fit no replica and are dropped on arrival.
            "too-long" => roofline with { Scheduler = roofline.Scheduler with { KvCacheTokens = 700 } },
            "least-outstanding" => roofline with { Scheduler = roofline.Scheduler with { Routing = RoutingPolicy.LeastOutstanding } },
            "shared-queue" => roofline with { Scheduler = roofline.Scheduler with { Routing = RoutingPolicy.SharedQueue } },
            "failures" => roofline with { Failures = new FailureSpec(400, 0.004) },
            "outage" => roofline with { Outage = new OutageSpec("east", 20, 40) },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Separable))]
    public void Run_SeparableInParts_SameRequestsAndStatisticsAsWhole(string scenario)
    {
        var s = Build(scenario);
        var requests = RequestGenerator.Generate(s);

        var whole = s_whole.Run(s, requests);
        var parts = s_parts.Run(s, requests);

        Assert.True(whole.Completed > 100, $"{whole.Completed} completed");
        Assert.True(scenario != "too-long" || whole.DroppedTooLong > 0, "the too-long scenario drops requests on arrival");
        var a = whole.Records!;
        var b = parts.Records!;
        Assert.Equal(a.Replica, b.Replica);
        Assert.Equal(a.Admitted, b.Admitted);
        Assert.Equal(a.FirstToken, b.FirstToken);
        Assert.Equal(a.Finished, b.Finished);
        Assert.True(a.Replica.Distinct().Count() > 3, "requests spread over the replicas of several parts");

        Assert.Equal(whole.Completed, parts.Completed);
        Assert.Equal(whole.Dropped, parts.Dropped);
        Assert.Equal(whole.DroppedTooLong, parts.DroppedTooLong);
        Assert.Equal(whole.Engine, parts.Engine);
        Assert.Equal(whole.MakespanSeconds, parts.MakespanSeconds);
        Assert.Equal(whole.Ttft, parts.Ttft);
        Assert.Equal(whole.Tpot, parts.Tpot);
        Assert.Equal(whole.E2e, parts.E2e);
        Assert.Equal(whole.Wait, parts.Wait);
        Assert.Equal(whole.SloAttainment, parts.SloAttainment);
        Assert.Equal(whole.Datacenters.Select(d => (d.Name, d.Replicas, d.Completed, d.OutputTokens)), parts.Datacenters.Select(d => (d.Name, d.Replicas, d.Completed, d.OutputTokens)));
        Close(whole.Utilization, parts.Utilization);
        Close(whole.MeanBatchSize, parts.MeanBatchSize);
        Close(whole.LittlesLaw.MeanInSystem, parts.LittlesLaw.MeanInSystem);
        Assert.All(whole.Datacenters.Zip(parts.Datacenters), p => Close(p.First.Utilization, p.Second.Utilization));
        Assert.Equal(whole.PerMinute.Count, parts.PerMinute.Count);
        Assert.All(whole.PerMinute.Zip(parts.PerMinute), p =>
        {
            Close(p.First.QueueLength, p.Second.QueueLength);
            Close(p.First.BatchSize, p.Second.BatchSize);
            Close(p.First.Utilization, p.Second.Utilization);
            Close(p.First.ReplicasUp, p.Second.ReplicasUp);
        });
    }

    [Theory]
    [MemberData(nameof(NotSeparable))]
    public void Run_NotSeparable_RunsWholeWhatEverThePartsSay(string scenario)
    {
        var s = Build(scenario);
        var requests = RequestGenerator.Generate(s);

        var whole = s_whole.Run(s, requests);
        var parts = s_parts.Run(s, requests);

        // Routing by load, failures and outages move work between replicas: a split would change who serves what.
        Assert.Equal(whole.Records!.Replica, parts.Records!.Replica);
        Assert.Equal(whole.Records.Finished, parts.Records.Finished);
        Assert.Equal(whole.Utilization, parts.Utilization);
        Assert.Equal(whole.LittlesLaw, parts.LittlesLaw);
    }

    [Fact]
    public void Run_LargeSeparableFleet_SplitsByItselfAndMatchesTheWholeRun()
    {
        // 300 replicas: past the automatic split's threshold, the default simulator runs in parts.
        var s = TestScenarios.Queue(Simulator.AutomaticParts * Simulator.MinReplicasPerPart + 44, 200, new UniformTokens(50, 350), 0.02, 20, RoutingPolicy.RoundRobin, maxBatch: 32);
        var requests = RequestGenerator.Generate(s);

        var progress = new LastProgress();
        var automatic = new Simulator { RecordRequests = true }.Run(s, requests, progress);
        var whole = s_whole.Run(s, requests);

        Assert.Equal(whole.Records!.Finished, automatic.Records!.Finished);
        Assert.Equal(whole.E2e, automatic.E2e);
        Close(whole.Utilization, automatic.Utilization);
        Assert.Equal(automatic.Completed, progress.Last.Completed);
        Assert.Equal(automatic.Requests, progress.Last.Requests);
        Assert.Equal(automatic.MakespanSeconds, progress.Last.SimulatedSeconds);
    }

    [Fact]
    public void Run_InPartsCancelled_Throws()
    {
        var s = Build("round-robin");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => s_parts.Run(s, RequestGenerator.Generate(s), null, cancel.Token));
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    /// <summary>Keeps the last report, synchronously (Progress&lt;T&gt; would post it to a thread-pool callback).</summary>
    private sealed class LastProgress : IProgress<SimulationProgress>
    {
        private readonly Lock _lock = new();

        public SimulationProgress Last { get; private set; }

        public void Report(SimulationProgress value)
        {
            lock (_lock)
            {
                Last = value;
            }
        }
    }
}
