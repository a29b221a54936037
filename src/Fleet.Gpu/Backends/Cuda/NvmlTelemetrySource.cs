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
            var remapped = _nvml.Remapped(_device);
            return new TelemetrySnapshot
            {
                At = at,
                TemperatureC = _nvml.TemperatureC(_device),
                SlowdownTemperatureC = _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.Slowdown),
                MaxOperatingTemperatureC = _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.GpuMax),
                ShutdownTemperatureC = _nvml.TemperatureThresholdC(_device, NvmlTemperatureThreshold.Shutdown),
                PowerW = _nvml.PowerUsageMw(_device) / 1000.0,
                PowerLimitW = _nvml.EnforcedPowerLimitMw(_device) / 1000.0,
                EnergyJ = _nvml.TotalEnergyMj(_device) / 1000.0,
                SmClockMhz = (int?)_nvml.ClockMhz(_device, NvmlClockType.Sm),
                MemoryClockMhz = (int?)_nvml.ClockMhz(_device, NvmlClockType.Memory),
                MaxSmClockMhz = (int?)_nvml.MaxClockMhz(_device, NvmlClockType.Sm),
                ClockEventReasons = (ulong?)_nvml.CurrentClockEventReasons(_device),
                EccCorrectedVolatile = _nvml.EccErrors(_device, uncorrected: false, aggregate: false),
                EccUncorrectedVolatile = _nvml.EccErrors(_device, uncorrected: true, aggregate: false),
                EccCorrectedAggregate = _nvml.EccErrors(_device, uncorrected: false, aggregate: true),
                EccUncorrectedAggregate = _nvml.EccErrors(_device, uncorrected: true, aggregate: true),
                RemappedRowsCorrectable = remapped?.Correctable,
                RemappedRowsUncorrectable = remapped?.Uncorrectable,
                RowRemapPending = remapped?.Pending,
                RowRemapFailed = remapped?.Failed,
                RetiredPagesSingleBit = _nvml.RetiredPages(_device, 0),
                RetiredPagesDoubleBit = _nvml.RetiredPages(_device, 1),
                PcieReplayCounter = _nvml.PcieReplayCounter(_device),
                PcieLinkGeneration = _nvml.PcieLinkGenerationCurrent(_device),
                PcieLinkWidth = _nvml.PcieLinkWidthCurrent(_device),
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

        while (xids.Count < 64 && _nvml.WaitXid(set, 0) is { } e)
        {
            if (e.Device == _device)
            {
                xids.Add(e.EventData);
            }
        }

        return xids;
    }
}
