using System.Text.Json.Serialization;

namespace Fleet.Planning.Simulation;

/// <summary>What a simulated run measured (<c>fleet.plan-simulation/v1</c>). Rates are over the makespan (first arrival window plus drain).</summary>
public sealed record SimulationResult
{
    public const string CurrentSchema = "fleet.plan-simulation/v1";

    public string Schema { get; init; } = CurrentSchema;
    public string? Scenario { get; init; }
    public int Seed { get; init; }
    public int Gpus { get; init; }
    public int Replicas { get; init; }
    public double DurationSeconds { get; init; }
    /// <summary>When the last request left: the arrival window plus the drain.</summary>
    public double MakespanSeconds { get; init; }
    public long Requests { get; init; }
    public long Completed { get; init; }
    public long Dropped { get; init; }
    /// <summary>Dropped because no replica was up when they arrived (or were re-dispatched).</summary>
    public long DroppedNoCapacity { get; init; }
    /// <summary>Dropped because prompt + output exceed the model's context or the smallest replica's KV cache.</summary>
    public long DroppedTooLong { get; init; }
    /// <summary>Requests whose replica went down under them and were re-dispatched from scratch.</summary>
    public long Restarted { get; init; }
    public required LatencyStats Ttft { get; init; }
    /// <summary>Time per output token after the first: (finish − first token) / (output − 1), over requests with more than one token.</summary>
    public required LatencyStats Tpot { get; init; }
    public required LatencyStats E2e { get; init; }
    /// <summary>Arrival to the start of the step that first included the request.</summary>
    public required LatencyStats Wait { get; init; }
    /// <summary>Share of completed requests that waited before their first step.</summary>
    public double WaitProbability { get; init; }
    /// <summary>Output tokens per second.</summary>
    public double ThroughputTokensPerSecond { get; init; }
    public double PromptTokensPerSecond { get; init; }
    public double ThroughputRequestsPerSecond { get; init; }
    /// <summary>Requests per second that met every SLO.</summary>
    public double Goodput { get; init; }
    /// <summary>Share of all requests (dropped ones count as misses) that met every SLO.</summary>
    public double SloAttainment { get; init; }
    public required SloReport Slo { get; init; }
    /// <summary>Share of up replica-time spent running steps.</summary>
    public double Utilization { get; init; }
    /// <summary>Mean requests admitted (prefilling or decoding) per busy replica, time-weighted.</summary>
    public double MeanBatchSize { get; init; }
    public required LittlesLawCheck LittlesLaw { get; init; }
    public required IReadOnlyList<DatacenterStats> Datacenters { get; init; }
    public required IReadOnlyList<MinutePoint> PerMinute { get; init; }
    public required EngineStats Engine { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The latency, throughput and goodput figures above as the shared summary (what replay measures too). Not serialized.</summary>
    [JsonIgnore]
    public ServingSummary? Summary { get; init; }

    /// <summary>Per-request times, for checks that recompute statistics independently (only with <see cref="Simulator.RecordRequests"/>). Not serialized.</summary>
    [JsonIgnore]
    public RequestRecords? Records { get; init; }
}

/// <summary>Mean and percentiles of one latency, seconds; NaN when there were no samples.</summary>
public sealed record LatencyStats(long Count, double Mean, double P50, double P90, double P99, double Max);

/// <summary>The SLO and how the run stands against it at its percentile.</summary>
public sealed record SloReport(double TtftSeconds, double TpotSeconds, double Percentile, double TtftAtPercentile, double TpotAtPercentile, bool Met);

/// <summary>L = λW over the run: time-averaged requests in system against throughput × mean time in system.</summary>
public sealed record LittlesLawCheck(double MeanInSystem, double ThroughputPerSecond, double MeanTimeInSystemSeconds, double RelativeError);

/// <summary>Load carried by one datacenter.</summary>
public sealed record DatacenterStats(string Name, int Replicas, long Completed, long OutputTokens, double Utilization);

/// <summary>Time-weighted averages over one simulated minute.</summary>
public sealed record MinutePoint(int Minute, double QueueLength, double BatchSize, double Utilization, double ReplicasUp);

/// <summary>How much work the engine did.</summary>
public sealed record EngineStats(long Events, long StepEvents, long Steps, long StepsClampedToRoofline);

/// <summary>Per-request outcome arrays (struct-of-arrays); NaN where the request never got that far.</summary>
public sealed record RequestRecords(double[] Arrival, int[] PromptTokens, int[] OutputTokens, double[] Admitted, double[] FirstToken, double[] Finished, int[] Replica);

/// <summary>Where a run is, for progress display.</summary>
public readonly record struct SimulationProgress(double SimulatedSeconds, double DurationSeconds, long Completed, long Requests);
