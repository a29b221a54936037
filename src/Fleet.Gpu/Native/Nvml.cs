using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Fleet.Gpu.Native;

/// <summary>Thrown when an NVML call fails for a reason other than "not supported" / "no permission"; names the call.</summary>
public sealed class NvmlException : Exception
{
    public NvmlException(string call, int code)
        : base($"{call} failed with {Nvml.ErrorName(code)} ({code.ToString(CultureInfo.InvariantCulture)})")
    {
        Call = call;
        Code = code;
    }

    public NvmlException()
        : base("NVML call failed")
    {
        Call = string.Empty;
    }

    public NvmlException(string message)
        : base(message)
    {
        Call = string.Empty;
    }

    public NvmlException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = string.Empty;
    }

    /// <summary>The NVML function that failed.</summary>
    public string Call { get; }

    /// <summary>The raw nvmlReturn_t.</summary>
    public int Code { get; }
}

/// <summary>nvmlClockType_t.</summary>
public enum NvmlClockType
{
    Graphics = 0,
    Sm = 1,
    Memory = 2,
    Video = 3,
}

/// <summary>nvmlTemperatureThresholds_t.</summary>
public enum NvmlTemperatureThreshold
{
    Shutdown = 0,
    Slowdown = 1,
    MemoryMax = 2,
    GpuMax = 3,
}

/// <summary>nvmlClocksEventReasons bits (nvml.h): why clocks are below their maximum.</summary>
[Flags]
public enum ClockEventReasons : ulong
{
    None = 0,
    GpuIdle = 0x1,
    ApplicationsClocksSetting = 0x2,
    SwPowerCap = 0x4,
    HwSlowdown = 0x8,
    SyncBoost = 0x10,
    SwThermalSlowdown = 0x20,
    HwThermalSlowdown = 0x40,
    HwPowerBrakeSlowdown = 0x80,
    DisplayClockSetting = 0x100,
}

/// <summary>nvmlPciInfo_t (the v3 layout read by nvmlDeviceGetPciInfo_v3).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct NvmlPciInfo
{
    public fixed byte BusIdLegacy[16];
    public uint Domain;
    public uint Bus;
    public uint Device;
    public uint PciDeviceId;
    public uint PciSubSystemId;
    public fixed byte BusId[32];
}

/// <summary>nvmlEventData_t, as filled by nvmlEventSetWait_v2.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlEventData
{
    public IntPtr Device;
    public ulong EventType;
    public ulong EventData;
    public uint GpuInstanceId;
    public uint ComputeInstanceId;
}

/// <summary>Row-remapping state (nvmlDeviceGetRemappedRows).</summary>
public sealed record RemappedRows(uint Correctable, uint Uncorrectable, bool Pending, bool Failed);

/// <summary>PCI identity of a device (nvmlDeviceGetPciInfo_v3).</summary>
public sealed record PciInfo(string BusId, uint Domain, uint Bus, uint Device, uint PciDeviceId, uint PciSubSystemId);

/// <summary>
/// Owned bindings over libnvidia-ml.so.1 (the driver's NVML), so telemetry needs nothing but the driver. Every read returns
/// null where the device or driver says NOT_SUPPORTED (or NO_PERMISSION, or the symbol is absent in an older driver).
/// </summary>
public sealed unsafe class Nvml : IDisposable
{
    /// <summary>The file name probed; the driver installs it.</summary>
    public const string LibraryName = "libnvidia-ml.so.1";

    private const int Success = 0;
    private const int NotSupported = 3;
    private const int NoPermission = 4;
    private const int InsufficientSize = 7;
    private const int Timeout = 10;
    private const int FunctionNotFound = 13;

    private readonly IntPtr _library;
    private readonly ConcurrentDictionary<string, IntPtr> _exports = new(StringComparer.Ordinal);
    private bool _disposed;

    private Nvml(IntPtr library) => _library = library;

    /// <summary>Loads NVML (<paramref name="library"/>, by default the driver's) and calls nvmlInit_v2; false with the reason.</summary>
    public static bool TryOpen(out Nvml? nvml, out string? reason, string library = LibraryName) => TryOpen(library, out nvml, out reason);

    /// <summary>
    /// One field's read: its value, or default (null for the nullable reads) when NVML fails it, so that one bad call
    /// never costs the other fields.
    /// </summary>
    public static T? Field<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (NvmlException)
        {
            return default;
        }
    }

    private static bool TryOpen(string libraryName, out Nvml? nvml, out string? reason)
    {
        nvml = null;
        if (!NativeLibraryProbe.TryLoad([libraryName], out var library, out _, out reason))
        {
            return false;
        }

        if (!NativeLibraryProbe.TryGetExport(library, libraryName, "nvmlInit_v2", out var init, out reason))
        {
            return false;
        }

        var code = ((delegate* unmanaged<int>)init)();
        if (code != Success)
        {
            reason = $"nvmlInit_v2 failed with {ErrorName(code)} ({code.ToString(CultureInfo.InvariantCulture)})";
            return false;
        }

        nvml = new Nvml(library);
        return true;
    }

    /// <summary>nvmlSystemGetDriverVersion, e.g. "550.54.15".</summary>
    public string? DriverVersion() => ReadString("nvmlSystemGetDriverVersion", 80, (f, buf, len) => ((delegate* unmanaged<byte*, uint, int>)f)(buf, len));

    /// <summary>nvmlSystemGetCudaDriverVersion_v2, e.g. 12040 for CUDA 12.4.</summary>
    public int? CudaDriverVersion()
    {
        int v = default;
        return TryFn("nvmlSystemGetCudaDriverVersion_v2", out var f) && Ok("nvmlSystemGetCudaDriverVersion_v2", ((delegate* unmanaged<int*, int>)f)(&v)) ? v : null;
    }

    /// <summary>nvmlDeviceGetCount_v2.</summary>
    public int DeviceCount()
    {
        uint count = default;
        return TryFn("nvmlDeviceGetCount_v2", out var f) && Ok("nvmlDeviceGetCount_v2", ((delegate* unmanaged<uint*, int>)f)(&count)) ? (int)count : 0;
    }

    /// <summary>nvmlDeviceGetHandleByIndex_v2 (NVML's index order, which is PCI order, not necessarily CUDA's).</summary>
    public IntPtr DeviceByIndex(int index)
    {
        IntPtr device = default;
        Check("nvmlDeviceGetHandleByIndex_v2", ((delegate* unmanaged<uint, IntPtr*, int>)Export("nvmlDeviceGetHandleByIndex_v2"))((uint)index, &device));
        return device;
    }

    /// <summary>nvmlDeviceGetHandleByPciBusId_v2, e.g. "00000000:1B:00.0"; null when no device has that bus id.</summary>
    public IntPtr? DeviceByPciBusId(string busId)
    {
        var bytes = Encoding.ASCII.GetBytes(busId + "\0");
        IntPtr device;
        int code;
        fixed (byte* p = bytes)
        {
            code = ((delegate* unmanaged<byte*, IntPtr*, int>)Export("nvmlDeviceGetHandleByPciBusId_v2"))(p, &device);
        }

        return code == Success ? device : code == 6 /* NOT_FOUND */ ? null : throw new NvmlException("nvmlDeviceGetHandleByPciBusId_v2", code);
    }

    /// <summary>nvmlDeviceGetName.</summary>
    public string? Name(IntPtr device) => ReadString("nvmlDeviceGetName", 96, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetUUID, e.g. "GPU-…".</summary>
    public string? Uuid(IntPtr device) => ReadString("nvmlDeviceGetUUID", 96, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetSerial (the board serial printed on the card).</summary>
    public string? Serial(IntPtr device) => ReadString("nvmlDeviceGetSerial", 64, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetBoardPartNumber.</summary>
    public string? BoardPartNumber(IntPtr device) => ReadString("nvmlDeviceGetBoardPartNumber", 80, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetVbiosVersion.</summary>
    public string? VbiosVersion(IntPtr device) => ReadString("nvmlDeviceGetVbiosVersion", 64, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetInforomImageVersion.</summary>
    public string? InforomImageVersion(IntPtr device) => ReadString("nvmlDeviceGetInforomImageVersion", 64, (f, buf, len) => ((delegate* unmanaged<IntPtr, byte*, uint, int>)f)(device, buf, len));

    /// <summary>nvmlDeviceGetPciInfo_v3.</summary>
    public PciInfo? Pci(IntPtr device)
    {
        NvmlPciInfo info = default;
        if (!(TryFn("nvmlDeviceGetPciInfo_v3", out var f) && Ok("nvmlDeviceGetPciInfo_v3", ((delegate* unmanaged<IntPtr, NvmlPciInfo*, int>)f)(device, &info))))
        {
            return null;
        }

        var busId = Marshal.PtrToStringAnsi((IntPtr)info.BusId) ?? string.Empty;
        return new PciInfo(busId, info.Domain, info.Bus, info.Device, info.PciDeviceId, info.PciSubSystemId);
    }

    /// <summary>nvmlDeviceGetCurrPcieLinkGeneration.</summary>
    public uint? PcieLinkGenerationCurrent(IntPtr device) => ReadUInt("nvmlDeviceGetCurrPcieLinkGeneration", device);

    /// <summary>nvmlDeviceGetMaxPcieLinkGeneration.</summary>
    public uint? PcieLinkGenerationMax(IntPtr device) => ReadUInt("nvmlDeviceGetMaxPcieLinkGeneration", device);

    /// <summary>nvmlDeviceGetCurrPcieLinkWidth.</summary>
    public uint? PcieLinkWidthCurrent(IntPtr device) => ReadUInt("nvmlDeviceGetCurrPcieLinkWidth", device);

    /// <summary>nvmlDeviceGetMaxPcieLinkWidth.</summary>
    public uint? PcieLinkWidthMax(IntPtr device) => ReadUInt("nvmlDeviceGetMaxPcieLinkWidth", device);

    /// <summary>nvmlDeviceGetPcieReplayCounter.</summary>
    public uint? PcieReplayCounter(IntPtr device) => ReadUInt("nvmlDeviceGetPcieReplayCounter", device);

    /// <summary>nvmlDeviceGetTemperature for the GPU die sensor, °C.</summary>
    public uint? TemperatureC(IntPtr device)
    {
        uint t = 0;
        return TryFn("nvmlDeviceGetTemperature", out var f) && Ok("nvmlDeviceGetTemperature", ((delegate* unmanaged<IntPtr, int, uint*, int>)f)(device, 0, &t)) ? t : null;
    }

    /// <summary>nvmlDeviceGetTemperatureThreshold, °C.</summary>
    public uint? TemperatureThresholdC(IntPtr device, NvmlTemperatureThreshold threshold)
    {
        uint t = default;
        return TryFn("nvmlDeviceGetTemperatureThreshold", out var f) && Ok("nvmlDeviceGetTemperatureThreshold", ((delegate* unmanaged<IntPtr, int, uint*, int>)f)(device, (int)threshold, &t)) ? t : null;
    }

    /// <summary>nvmlDeviceGetPowerUsage, milliwatts.</summary>
    public uint? PowerUsageMw(IntPtr device) => ReadUInt("nvmlDeviceGetPowerUsage", device);

    /// <summary>nvmlDeviceGetEnforcedPowerLimit, milliwatts.</summary>
    public uint? EnforcedPowerLimitMw(IntPtr device) => ReadUInt("nvmlDeviceGetEnforcedPowerLimit", device);

    /// <summary>nvmlDeviceGetTotalEnergyConsumption, millijoules since the driver loaded.</summary>
    public ulong? TotalEnergyMj(IntPtr device) => ReadULong("nvmlDeviceGetTotalEnergyConsumption", device);

    /// <summary>nvmlDeviceGetClockInfo, MHz.</summary>
    public uint? ClockMhz(IntPtr device, NvmlClockType type)
    {
        uint c = default;
        return TryFn("nvmlDeviceGetClockInfo", out var f) && Ok("nvmlDeviceGetClockInfo", ((delegate* unmanaged<IntPtr, int, uint*, int>)f)(device, (int)type, &c)) ? c : null;
    }

    /// <summary>nvmlDeviceGetMaxClockInfo, MHz.</summary>
    public uint? MaxClockMhz(IntPtr device, NvmlClockType type)
    {
        uint c = default;
        return TryFn("nvmlDeviceGetMaxClockInfo", out var f) && Ok("nvmlDeviceGetMaxClockInfo", ((delegate* unmanaged<IntPtr, int, uint*, int>)f)(device, (int)type, &c)) ? c : null;
    }

    /// <summary>nvmlDeviceGetCurrentClocksEventReasons (falling back to the older ...ThrottleReasons name).</summary>
    public ClockEventReasons? CurrentClockEventReasons(IntPtr device)
    {
        var name = HasExport("nvmlDeviceGetCurrentClocksEventReasons") ? "nvmlDeviceGetCurrentClocksEventReasons" : "nvmlDeviceGetCurrentClocksThrottleReasons";
        var value = ReadULong(name, device);
        return value is null ? null : (ClockEventReasons)value.Value;
    }

    /// <summary>nvmlDeviceGetTotalEccErrors; <paramref name="uncorrected"/> picks double-bit, <paramref name="aggregate"/> lifetime vs since boot.</summary>
    public ulong? EccErrors(IntPtr device, bool uncorrected, bool aggregate)
    {
        ulong count = default;
        return TryFn("nvmlDeviceGetTotalEccErrors", out var f) && Ok("nvmlDeviceGetTotalEccErrors", ((delegate* unmanaged<IntPtr, int, int, ulong*, int>)f)(device, uncorrected ? 1 : 0, aggregate ? 1 : 0, &count)) ? count : null;
    }

    /// <summary>nvmlDeviceGetRemappedRows (Ampere and later).</summary>
    public RemappedRows? Remapped(IntPtr device)
    {
        uint corr = default; uint unc = default; uint pending = default; uint failed = default;
        return TryFn("nvmlDeviceGetRemappedRows", out var f) && Ok("nvmlDeviceGetRemappedRows", ((delegate* unmanaged<IntPtr, uint*, uint*, uint*, uint*, int>)f)(device, &corr, &unc, &pending, &failed)) ? new RemappedRows(corr, unc, pending != 0, failed != 0) : null;
    }

    /// <summary>nvmlDeviceGetRetiredPages count for one cause (0 = multiple single-bit ECC, 1 = double-bit ECC); pre-Ampere.</summary>
    public uint? RetiredPages(IntPtr device, int cause)
    {
        const string call = "nvmlDeviceGetRetiredPages";
        if (!HasExport(call))
        {
            return null;
        }

        uint count = 0;
        var code = ((delegate* unmanaged<IntPtr, int, uint*, ulong*, int>)Export(call))(device, cause, &count, null);
        return code is Success or InsufficientSize ? count
            : code is NotSupported or NoPermission ? null
            : throw new NvmlException(call, code);
    }

    /// <summary>Creates an event set registered for Xid critical errors on <paramref name="device"/>; null where unsupported.</summary>
    public IntPtr? CreateXidEventSet(IntPtr device)
    {
        if (!HasExport("nvmlEventSetCreate") || !HasExport("nvmlDeviceRegisterEvents"))
        {
            return null;
        }

        IntPtr set = default;
        Check("nvmlEventSetCreate", ((delegate* unmanaged<IntPtr*, int>)Export("nvmlEventSetCreate"))(&set));
        const ulong xidCriticalError = 0x8;
        var code = ((delegate* unmanaged<IntPtr, ulong, IntPtr, int>)Export("nvmlDeviceRegisterEvents"))(device, xidCriticalError, set);
        if (code != Success)
        {
            FreeEventSet(set);
            return code is NotSupported or NoPermission ? null : throw new NvmlException("nvmlDeviceRegisterEvents", code);
        }

        return set;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for one Xid event; null on timeout.</summary>
    public NvmlEventData? WaitXid(IntPtr eventSet, uint timeoutMs)
    {
        NvmlEventData data;
        var code = ((delegate* unmanaged<IntPtr, NvmlEventData*, uint, int>)Export("nvmlEventSetWait_v2"))(eventSet, &data, timeoutMs);
        return code == Success ? data : code == Timeout ? null : throw new NvmlException("nvmlEventSetWait_v2", code);
    }

    /// <summary>nvmlEventSetFree.</summary>
    public void FreeEventSet(IntPtr eventSet)
    {
        if (HasExport("nvmlEventSetFree"))
        {
            _ = ((delegate* unmanaged<IntPtr, int>)Export("nvmlEventSetFree"))(eventSet);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            // Looked up before the object counts as disposed (Export refuses a disposed object).
            var shutdown = Export("nvmlShutdown", required: false);
            _disposed = true;
            if (shutdown != IntPtr.Zero)
            {
                _ = ((delegate* unmanaged<int>)shutdown)();
            }
        }
    }

    /// <summary>The nvmlReturn_t name for a code.</summary>
    public static string ErrorName(int code) => code switch
    {
        0 => "NVML_SUCCESS",
        1 => "NVML_ERROR_UNINITIALIZED",
        2 => "NVML_ERROR_INVALID_ARGUMENT",
        3 => "NVML_ERROR_NOT_SUPPORTED",
        4 => "NVML_ERROR_NO_PERMISSION",
        5 => "NVML_ERROR_ALREADY_INITIALIZED",
        6 => "NVML_ERROR_NOT_FOUND",
        7 => "NVML_ERROR_INSUFFICIENT_SIZE",
        8 => "NVML_ERROR_INSUFFICIENT_POWER",
        9 => "NVML_ERROR_DRIVER_NOT_LOADED",
        10 => "NVML_ERROR_TIMEOUT",
        11 => "NVML_ERROR_IRQ_ISSUE",
        12 => "NVML_ERROR_LIBRARY_NOT_FOUND",
        13 => "NVML_ERROR_FUNCTION_NOT_FOUND",
        14 => "NVML_ERROR_CORRUPTED_INFOROM",
        15 => "NVML_ERROR_GPU_IS_LOST",
        16 => "NVML_ERROR_RESET_REQUIRED",
        17 => "NVML_ERROR_OPERATING_SYSTEM",
        _ => "NVML_ERROR_UNKNOWN",
    };

    private bool HasExport(string symbol) => Export(symbol, required: false) != IntPtr.Zero;

    private IntPtr Export(string symbol, bool required = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var address = _exports.GetOrAdd(symbol, s => NativeLibrary.TryGetExport(_library, s, out var p) ? p : IntPtr.Zero);
        return address == IntPtr.Zero && required ? throw new NvmlException($"{LibraryName} has no symbol {symbol}") : address;
    }

    /// <summary>Runs a read; true on success, false for "not supported"-like codes, throws on real failures.</summary>
    /// <summary>The export when the driver has it; false for older drivers, whose reads then return null.</summary>
    private bool TryFn(string symbol, out IntPtr function)
    {
        function = Export(symbol, required: false);
        return function != IntPtr.Zero;
    }

    /// <summary>True on success, false for "not supported"-like codes, throws on real failures.</summary>
    private static bool Ok(string symbol, int code) =>
        code == Success || (code is NotSupported or NoPermission or FunctionNotFound ? false : throw new NvmlException(symbol, code));

    private static void Check(string symbol, int code)
    {
        if (code != Success)
        {
            throw new NvmlException(symbol, code);
        }
    }

    private uint? ReadUInt(string symbol, IntPtr device)
    {
        uint v = 0;
        return TryFn(symbol, out var f) && Ok(symbol, ((delegate* unmanaged<IntPtr, uint*, int>)f)(device, &v)) ? v : null;
    }

    private ulong? ReadULong(string symbol, IntPtr device)
    {
        ulong v = 0;
        return TryFn(symbol, out var f) && Ok(symbol, ((delegate* unmanaged<IntPtr, ulong*, int>)f)(device, &v)) ? v : null;
    }

    private delegate int StringReader(IntPtr function, byte* buffer, uint length);

    private string? ReadString(string symbol, int size, StringReader reader)
    {
        var buffer = stackalloc byte[size];
        return TryFn(symbol, out var f) && Ok(symbol, reader(f, buffer, (uint)size)) ? Marshal.PtrToStringAnsi((IntPtr)buffer) : null;
    }
}
