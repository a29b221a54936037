using System.Runtime.InteropServices;
using Fleet.Gpu.Backends.Cuda;
using Fleet.Gpu.Native;
using Fleet.StandIn;

namespace Fleet.Gpu.Tests.StandIn;

/// <summary>Fleet's NVML bindings against the stand-in libnvidia-ml.so.1, with chosen calls failing.</summary>
[Collection(NativeLibraries.Name)]
public sealed unsafe class StandInNvmlTests : IDisposable
{
    private const string BusId = "00000000:1B:00.0";
    private readonly IntPtr _library;
    private readonly delegate* unmanaged<byte*, void> _setFail;
    private readonly Nvml _nvml;

    public StandInNvmlTests()
    {
        var path = Path.Combine(StandInLibraries.Instance.DriverDir, "libnvidia-ml.so.1");
        _library = NativeLibrary.Load(path);
        _setFail = (delegate* unmanaged<byte*, void>)NativeLibrary.GetExport(_library, "stub_nvml_set_fail");
        SetFail(null);
        Assert.True(Nvml.TryOpen(out var nvml, out var reason, path), reason);
        _nvml = nvml!;
    }

    [Fact]
    public void TelemetryRead_OneCallFailsUnexpectedly_OnlyThatFieldIsNull()
    {
        var device = _nvml.DeviceByPciBusId(BusId)!.Value;
        using var source = new NvmlTelemetrySource(_nvml, device);
        SetFail("nvmlDeviceGetTemperature=999");
        var snapshot = source.Read(DateTimeOffset.UnixEpoch);
        Assert.Null(snapshot.TemperatureC);
        Assert.Equal(312.0, snapshot.PowerW);
        Assert.Equal(1980, snapshot.SmClockMhz);
        Assert.Equal(92u, snapshot.SlowdownTemperatureC);
    }

    [Fact]
    public void TelemetryRead_GpuLostOnEveryCall_SnapshotWithNullFields()
    {
        var device = _nvml.DeviceByPciBusId(BusId)!.Value;
        using var source = new NvmlTelemetrySource(_nvml, device);
        SetFail("nvmlDeviceGetTemperature=15,nvmlDeviceGetPowerUsage=15,nvmlDeviceGetClockInfo=15");
        var snapshot = source.Read(DateTimeOffset.UnixEpoch);
        Assert.Null(snapshot.TemperatureC);
        Assert.Null(snapshot.PowerW);
        Assert.Null(snapshot.SmClockMhz);
        Assert.Equal(700.0, snapshot.PowerLimitW);
    }

    [Fact]
    public void Field_UnexpectedReturnCode_NullInsteadOfThrowing()
    {
        var device = _nvml.DeviceByPciBusId(BusId)!.Value;
        SetFail("nvmlDeviceGetSerial=999");
        Assert.Throws<NvmlException>(() => _nvml.Serial(device));
        Assert.Null(Nvml.Field(() => _nvml.Serial(device)));
        Assert.Equal("GPU-5a1d0000-0000-4000-8000-000000000001", Nvml.Field(() => _nvml.Uuid(device)));
    }

    [Fact]
    public void Dispose_WithNvmlLoaded_DoesNotThrow()
    {
        Assert.True(Nvml.TryOpen(out var nvml, out _, Path.Combine(StandInLibraries.Instance.DriverDir, "libnvidia-ml.so.1")));
        nvml!.Dispose();
        nvml.Dispose();
    }

    public void Dispose()
    {
        SetFail(null);
        _nvml.Dispose();
    }

    private void SetFail(string? spec)
    {
        if (spec is null)
        {
            _setFail(null);
            return;
        }

        var bytes = System.Text.Encoding.ASCII.GetBytes(spec + "\0");
        fixed (byte* p = bytes)
        {
            _setFail(p);
        }
    }
}
