namespace Fleet.Domain.Contracts.BurnIn;

/// <summary>One reading of a device's health counters; every field is null where the device or platform cannot say.</summary>
public sealed record TelemetrySnapshot
{
    public DateTimeOffset At { get; init; }
    public double? TemperatureC { get; init; }
    /// <summary>Slowdown threshold, °C (NVML_TEMPERATURE_THRESHOLD_SLOWDOWN).</summary>
    public double? SlowdownTemperatureC { get; init; }
    /// <summary>Maximum operating temperature, °C (NVML_TEMPERATURE_THRESHOLD_GPU_MAX).</summary>
    public double? MaxOperatingTemperatureC { get; init; }
    public double? ShutdownTemperatureC { get; init; }
    public double? PowerW { get; init; }
    public double? PowerLimitW { get; init; }
    /// <summary>Total energy since the driver loaded, joules.</summary>
    public double? EnergyJ { get; init; }
    public int? SmClockMhz { get; init; }
    public int? MemoryClockMhz { get; init; }
    public int? MaxSmClockMhz { get; init; }
    /// <summary>NVML clock-event (throttle) reason bits at that moment.</summary>
    public ulong? ClockEventReasons { get; init; }
    public ulong? EccCorrectedVolatile { get; init; }
    public ulong? EccUncorrectedVolatile { get; init; }
    public ulong? EccCorrectedAggregate { get; init; }
    public ulong? EccUncorrectedAggregate { get; init; }
    public uint? RemappedRowsCorrectable { get; init; }
    public uint? RemappedRowsUncorrectable { get; init; }
    public bool? RowRemapPending { get; init; }
    public bool? RowRemapFailed { get; init; }
    public uint? RetiredPagesSingleBit { get; init; }
    public uint? RetiredPagesDoubleBit { get; init; }
    public uint? PcieReplayCounter { get; init; }
    public uint? PcieLinkGeneration { get; init; }
    public uint? PcieLinkWidth { get; init; }
    /// <summary>Xid codes seen since the previous snapshot (critical-error events).</summary>
    public IReadOnlyList<ulong> XidErrors { get; init; } = [];
}
