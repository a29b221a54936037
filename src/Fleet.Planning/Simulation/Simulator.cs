using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Simulation;

/// <summary>
/// Discrete-event simulation of continuous batching (vLLM-style) across a fleet of replicas: each replica runs steps
/// that admit queued requests under maxBatch and KV-cache limits, prefill (whole prompts, or chunks under a token
/// budget) and decode one token per running sequence, costed by the scenario's performance model and never faster
/// than the roofline floor. Routing, GPU failures and datacenter outages move work between replicas.
/// </summary>
/// <remarks>
/// Cost per event is O(log n): replicas sit in an indexed heap keyed by the end of their current step, each replica
/// keeps its decoding sequences in a heap keyed by the decode step at which they finish, and queues are linked lists
/// threaded through the per-request state (one 56-byte struct per request, so touching a request costs one cache
/// line). Decode steps between two events that change a replica's batch (arrivals, admissions, completions, failures)
/// are one event, timed in closed form from the step model (<see cref="DecodeRun"/>), so the cost follows those events,
/// not the number of decode steps.
/// <para>
/// Where no event on one replica can touch another (round-robin routing, no failures, no outage), a large fleet runs
/// in <see cref="AutomaticParts"/> contiguous parts side by side, one thread each: every request's times are exactly
/// those of one run over the whole fleet; the time integrals are summed per part, so they may differ from it in the
/// last digits. The number of parts is fixed, not the machine's core count, so a scenario gives the same figures on
/// every machine.
/// </para>
/// </remarks>
public sealed class Simulator(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>One event per engine step instead of one per batch change: the reference the jump-ahead is tested against.</summary>
    internal bool StepByStep { get; init; }

    /// <summary>
    /// Keeps every request's times in <see cref="SimulationResult.Records"/> (seven arrays, 44 bytes a request) for checks
    /// that recompute the statistics or compare per request; off, the result carries the statistics only.
    /// </summary>
    public bool RecordRequests { get; init; }

    /// <summary>How many parts a separable run over a large fleet takes.</summary>
    internal const int AutomaticParts = 4;

    /// <summary>Fewest replicas per part; a smaller fleet runs whole.</summary>
    internal const int MinReplicasPerPart = 64;

    /// <summary>Parts to split a separable run into; null: <see cref="AutomaticParts"/> where the fleet is large enough.</summary>
    internal int? Parts { get; init; }

    /// <summary>Runs <paramref name="scenario"/> with the requests its workload and seed produce.</summary>
    public SimulationResult Run(Scenario scenario, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(scenario, RequestGenerator.Generate(scenario), progress, cancellationToken);

    /// <summary>Runs <paramref name="scenario"/> on a given request set (reused across capacity-search probes).</summary>
    public SimulationResult Run(Scenario scenario, RequestSet requests, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(requests);
        var states = SimulationRun.States(requests);
        var replicas = scenario.Fleet.Sum(p => p.Replicas);
        var parts = Math.Min(Parts ?? (replicas >= AutomaticParts * MinReplicasPerPart ? AutomaticParts : 1), replicas);
        if (parts <= 1 || !SimulationRun.Separable(scenario))
        {
            var whole = new SimulationRun(scenario, states, SimulationPart.All, _time, progress, cancellationToken, StepByStep);
            return SimulationResultBuilder.Build(scenario, states, whole.Execute(), replicas, whole.MaxTokens(), RecordRequests);
        }

        var split = SimulationPart.Split(replicas, parts, SimulationRun.RoundRobinTargets(scenario, states));
        var combined = progress is null ? null : new CombinedProgress(progress, parts, states.Length);
        var runs = split.Select((part, k) => new SimulationRun(scenario, states, part, _time, combined?.Part(k), cancellationToken, StepByStep)).ToArray();
        var others = runs.Skip(1).Select(run => Task.Run(run.Execute, cancellationToken)).ToArray();
        var stats = runs[0].Execute();
        var rest = Task.WhenAll(others).GetAwaiter().GetResult();
        var makespan = rest.Aggregate(stats.Now, (now, part) => Math.Max(now, part.Now));
        stats.Advance(makespan);
        foreach (var part in rest)
        {
            // Replicas stay up after their part's last event: integrate that to the makespan before adding.
            part.Advance(makespan);
            stats.Add(part);
        }

        progress?.Report(new SimulationProgress(stats.Now, scenario.DurationSeconds, stats.Completed, states.Length));

        return SimulationResultBuilder.Build(scenario, states, stats, replicas, runs[0].MaxTokens(), RecordRequests);
    }

    /// <summary>The parts' progress as one: the earliest part's clock, everyone's completions.</summary>
    private sealed class CombinedProgress(IProgress<SimulationProgress> target, int parts, long requests)
    {
        private readonly double[] _now = new double[parts];
        private readonly long[] _completed = new long[parts];
        private readonly Lock _lock = new();

        public IProgress<SimulationProgress> Part(int k) => new Progress(this, k);

        private void Report(int k, SimulationProgress value)
        {
            lock (_lock)
            {
                _now[k] = value.SimulatedSeconds;
                _completed[k] = value.Completed;
                target.Report(new SimulationProgress(_now.Min(), value.DurationSeconds, _completed.Sum(), requests));
            }
        }

        private sealed class Progress(CombinedProgress owner, int k) : IProgress<SimulationProgress>
        {
            public void Report(SimulationProgress value) => owner.Report(k, value);
        }
    }
}
