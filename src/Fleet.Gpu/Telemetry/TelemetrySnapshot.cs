using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Native;

namespace Fleet.Gpu.Telemetry;

/// <summary>NVML readings of a <see cref="TelemetrySnapshot"/> as names.</summary>
public static class TelemetrySnapshotExtensions
{
    /// <summary>The reasons as names, e.g. ["SwPowerCap", "HwSlowdown"].</summary>
    public static IReadOnlyList<string> ClockEventReasonNames(this TelemetrySnapshot snapshot) => snapshot.ClockEventReasons is { } r
        ? Enum.GetValues<Native.ClockEventReasons>().Where(f => f != Native.ClockEventReasons.None && (r & (ulong)f) != 0).Select(f => f.ToString()).ToList()
        : [];
}

/// <summary>Reads a device's telemetry; backends without telemetry (the CPU accelerator) return empty snapshots.</summary>
public interface ITelemetrySource : IDisposable
{
    /// <summary>False where nothing can be read (no NVML); the result then says so instead of inventing numbers.</summary>
    bool IsAvailable { get; }

    /// <summary>Why telemetry is unavailable, when it is.</summary>
    string? UnavailableReason { get; }

    /// <summary>Reads the counters now.</summary>
    TelemetrySnapshot Read(DateTimeOffset at);
}

/// <summary>The telemetry of a device without any (ILGPU's CPU accelerator): timestamps only.</summary>
public sealed class NoTelemetrySource(string reason) : ITelemetrySource
{
    /// <inheritdoc/>
    public bool IsAvailable => false;

    /// <inheritdoc/>
    public string? UnavailableReason { get; } = reason;

    /// <inheritdoc/>
    public TelemetrySnapshot Read(DateTimeOffset at) => new() { At = at };

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
