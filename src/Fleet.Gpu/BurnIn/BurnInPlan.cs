using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Gpu.BurnIn;

/// <summary>
/// What a level runs and for how long: quick ≈ 1 min, standard ≈ 15 min, extended ≈ 30 min with the long memory patterns.
/// <c>--duration</c> replaces the stress time; the pattern set always follows the level.
/// </summary>
public sealed record BurnInPlan
{
    public required BurnInLevel Level { get; init; }
    /// <summary>Total matrix-product stress time, split evenly over the device's precisions.</summary>
    public required TimeSpan StressTime { get; init; }
    public required TimeSpan TelemetryInterval { get; init; }
    public bool RunMemory { get; init; } = true;
    public bool RunBandwidth { get; init; } = true;

    /// <summary>The plan for a level, with an optional duration override (must be positive).</summary>
    public static BurnInPlan For(BurnInLevel level, TimeSpan? duration = null)
    {
        if (duration is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentException($"--duration must be positive, got {d}");
        }

        return level switch
        {
            BurnInLevel.Quick => new() { Level = level, StressTime = duration ?? TimeSpan.FromSeconds(30), TelemetryInterval = TimeSpan.FromSeconds(1) },
            BurnInLevel.Standard => new() { Level = level, StressTime = duration ?? TimeSpan.FromMinutes(12), TelemetryInterval = TimeSpan.FromSeconds(5) },
            _ => new() { Level = level, StressTime = duration ?? TimeSpan.FromMinutes(25), TelemetryInterval = TimeSpan.FromSeconds(5) },
        };
    }
}

/// <summary>Everything a burn-in run needs besides its devices.</summary>
public sealed record BurnInSettings
{
    public required BurnInPlan Plan { get; init; }
    public FaultPlan Fault { get; init; } = FaultPlan.None;
    public int Seed { get; init; } = 20261126;
    /// <summary>The --device selector, echoed into the result.</summary>
    public string DeviceSelector { get; init; } = "all";
    public string ToolVersion { get; init; } = "0.0.0";
    public VerdictThresholds Thresholds { get; init; } = new();
    /// <summary>Overrides the matrix edge the backend's scale gives (tests use tiny products).</summary>
    public int? MatmulSize { get; init; }
    /// <summary>Overrides the memory-pattern region size, bytes.</summary>
    public long? PatternBytes { get; init; }
    /// <summary>Overrides the bandwidth transfer size, bytes.</summary>
    public long? BandwidthBytes { get; init; }
}
