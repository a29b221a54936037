using System.Runtime.InteropServices;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Native;

namespace Fleet.Gpu.Tests.Native;

[Collection(Fleet.Gpu.Tests.StandIn.NativeLibraries.Name)]
public class NativeBindingTests
{
    [Fact]
    public void CublasTryCreate_ReportsEveryProbedFileWhenMissing_OrCreatesAHandle()
    {
        var present = CublasHandle.LibraryNames.Any(n => NativeLibrary.TryLoad(n, out _));
        var ok = CublasHandle.TryCreate(out var handle, out var reason);
        using (handle)
        {
            if (!present)
            {
                Assert.False(ok);
                Assert.Null(handle);
                Assert.All(CublasHandle.LibraryNames, n => Assert.Contains(n, reason, StringComparison.Ordinal));
            }
            else if (ok)
            {
                Assert.True(handle!.Version > 0);
            }
            else
            {
                // Library present but no CUDA context/device: the reason names the failing call.
                Assert.Contains("cublas", reason, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void NvmlTryOpen_WithoutDriver_NamesTheLibrary()
    {
        var present = NativeLibrary.TryLoad(Nvml.LibraryName, out _);
        var ok = Nvml.TryOpen(out var nvml, out var reason);
        using (nvml)
        {
            if (!present)
            {
                Assert.False(ok);
                Assert.Contains(Nvml.LibraryName, reason, StringComparison.Ordinal);
            }
            else if (ok)
            {
                Assert.True(nvml!.DeviceCount() >= 0);
            }
        }
    }

    [Theory]
    [InlineData(15, "CUBLAS_STATUS_NOT_SUPPORTED")]
    [InlineData(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    [InlineData(99, "CUBLAS_STATUS_UNKNOWN")]
    public void CublasException_NamesCallAndStatus(int status, string name)
    {
        var ex = new CublasException("cublasGemmEx", status);
        Assert.Contains("cublasGemmEx", ex.Message, StringComparison.Ordinal);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Equal(status, ex.Status);
    }

    [Fact]
    public void NvmlPciInfo_LayoutMatchesNvmlH()
    {
        // nvml.h: char busIdLegacy[16]; unsigned int domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32].
        Assert.Equal(16 + (5 * 4) + 32, Marshal.SizeOf<NvmlPciInfo>());
        Assert.Equal(16, (int)Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.Domain)));
        Assert.Equal(36, (int)Marshal.OffsetOf<NvmlPciInfo>(nameof(NvmlPciInfo.BusId)));
    }

    [Fact]
    public void Discover_NoDriver_ListsCpuAndSaysWhy()
    {
        using var discovery = new DeviceDiscovery();
        var inventory = discovery.Discover();
        Assert.Contains(inventory.Devices, d => d.Kind == DeviceKind.Cpu && d.Id == "cpu");
        if (!inventory.Gpus.Any())
        {
            Assert.Contains(inventory.Notes, n => n.Contains("no NVIDIA GPU", StringComparison.Ordinal));
            Assert.Equal("cpu", Assert.Single(DeviceDiscovery.Select(inventory, "all")).Id);
        }
    }

    [Theory]
    [InlineData("7")]
    [InlineData("gpu0")]
    public void Select_UnknownDevice_ThrowsListingValidChoices(string selector)
    {
        using var discovery = new DeviceDiscovery();
        var ex = Assert.Throws<ArgumentException>(() => DeviceDiscovery.Select(discovery.Discover(), selector));
        Assert.Contains("valid: all", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cpu", ex.Message, StringComparison.Ordinal);
    }
}
