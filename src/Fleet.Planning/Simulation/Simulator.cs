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
/// </remarks>
public sealed class Simulator(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>One event per engine step instead of one per batch change: the reference the jump-ahead is tested against.</summary>
    internal bool StepByStep { get; init; }

    /// <summary>Runs <paramref name="scenario"/> with the requests its workload and seed produce.</summary>
    public SimulationResult Run(Scenario scenario, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(scenario, RequestGenerator.Generate(scenario), progress, cancellationToken);

    /// <summary>Runs <paramref name="scenario"/> on a given request set (reused across capacity-search probes).</summary>
    public SimulationResult Run(Scenario scenario, RequestSet requests, IProgress<SimulationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new SimulationRun(scenario, requests, _time, progress, cancellationToken, StepByStep).Execute();
}
