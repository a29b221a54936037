using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Native;
using Fleet.Gpu.Telemetry;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>Telemetry for one CUDA device through NVML; Xid errors come from an NVML event set drained at each read.</summary>
public sealed class NvmlTelemetrySource : ITelemetrySource
{
    private readonly Nvml _nvml;
    private readonly IntPtr _device;
    private readonly IntPtr? _xidEvents;
    private readonly Lock _lock = new();

    /// <summary>Binds to the NVML device with <paramref name="device"/> handle; <paramref name="nvml"/> stays owned by the caller.</summary>
    public NvmlTelemetrySource(Nvml nvml, IntPtr device)
    {
        _nvml = nvml;
        _device = device;
        try
        {
            _xidEvents = nvml.CreateXidEventSet(device);
        }
        catch (NvmlException)
        {
            _xidEvents = null;
        }
    }

    /// <inheritdoc/>
    public bool IsAvailable => true;

    /// <inheritdoc/>
    public string? UnavailableReason => null;

    /// <inheritdoc/>
    public TelemetrySnapshot Read(DateTimeOffset at)
    {
        lock (_lock)
        {
            // Each field on its own: one failing call is a null field, not a lost snapshot.
            var remapped = Nvml.Field(() => _nvml.Remapped(_device));
            return new TelemetrySnapshot
            {
                At = at,
                TemperatureC = Nvml.Field(() => _nvml.TemperatureC(_device)),
                SlowdownTemperatureC = Nvml.Field(() => _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.Slowdown)),
                MaxOperatingTemperatureC = Nvml.Field(() => _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.GpuMax)),
                ShutdownTemperatureC = Nvml.Field(() => _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.Shutdown)),
                PowerW = Nvml.Field(() => _nvml.PowerUsageMw(_device)) / 1000.0,
                PowerLimitW = Nvml.Field(() => _nvml.EnforcedPowerLimitMw(_device)) / 1000.0,
                EnergyJ = Nvml.Field(() => _nvml.TotalEnergyMj(_device)) / 1000.0,
                SmClockMhz = (int?)Nvml.Field(() => _nvml.ClockMhz(_device, NvmlClockType.Sm)),
                MemoryClockMhz = (int?)Nvml.Field(() => _nvml.ClockMhz(_device, NvmlClockType.Memory)),
                MaxSmClockMhz = (int?)Nvml.Field(() => _nvml.MaxClockMhz(_device, NvmlClockType.Sm)),
                ClockEventReasons = (ulong?)Nvml.Field(() => _nvml.CurrentClockEventReasons(_device)),
                EccCorrectedVolatile = Nvml.Field(() => _nvml.EccErrors(_device, uncorrected: false, aggregate: false)),
                EccUncorrectedVolatile = Nvml.Field(() => _nvml.EccErrors(_device, uncorrected: true, aggregate: false)),
                EccCorrectedAggregate = Nvml.Field(() => _nvml.EccErrors(_device, uncorrected: false, aggregate: true)),
                EccUncorrectedAggregate = Nvml.Field(() => _nvml.EccErrors(_device, uncorrected: true, aggregate: true)),
                RemappedRowsCorrectable = remapped?.Correctable,
                RemappedRowsUncorrectable = remapped?.Uncorrectable,
                RowRemapPending = remapped?.Pending,
                RowRemapFailed = remapped?.Failed,
                RetiredPagesSingleBit = Nvml.Field(() => _nvml.RetiredPages(_device, 0)),
                RetiredPagesDoubleBit = Nvml.Field(() => _nvml.RetiredPages(_device, 1)),
                PcieReplayCounter = Nvml.Field(() => _nvml.PcieReplayCounter(_device)),
                PcieLinkGeneration = Nvml.Field(() => _nvml.PcieLinkGenerationCurrent(_device)),
                PcieLinkWidth = Nvml.Field(() => _nvml.PcieLinkWidthCurrent(_device)),
                XidErrors = DrainXid(),
            };
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_xidEvents is { } set)
        {
            _nvml.FreeEventSet(set);
        }
    }

    private List<ulong> DrainXid()
    {
        var xids = new List<ulong>();
        if (_xidEvents is not { } set)
        {
            return xids;
        }

        while (xids.Count < 64 && Nvml.Field(() => _nvml.WaitXid(set, 0)) is { } e)
        {
            if (e.Device == _device)
            {
                xids.Add(e.EventData);
            }
        }

        return xids;
    }
}
