using Fleet.Gpu.Backends.Cpu;
using Fleet.Gpu.Backends.Cuda;

namespace Fleet.Gpu.Tests.Backends;

public class DeviceScaleTests
{
    [Theory]
    [InlineData(80L << 30, 8192)]  // H100: 4·8192²·8 B = 2 GiB ≤ 5 GiB
    [InlineData(24L << 30, 4096)]  // 2 GiB > 1.5 GiB → halve
    [InlineData(1L << 30, 1024)]   // 4·1024²·8 B = 32 MiB ≤ 64 MiB
    [InlineData(1L << 20, 256)]    // never below 256
    public void ScaleFor_FreeMemory_ProductEdgeFromMemory(long free, int edge)
    {
        Assert.Equal(edge, CudaBackend.ScaleFor(free).MatmulSize);
    }

    [Theory]
    [InlineData(80L << 30, 1L << 30)]
    [InlineData(8L << 30, 128L << 20)]
    [InlineData(1L << 30, 64L << 20)]
    public void ScaleFor_FreeMemory_CopySizeOneSixtyFourthClamped(long free, long bytes)
    {
        Assert.Equal(bytes, CudaBackend.ScaleFor(free).BandwidthBytes);
    }

    [Fact]
    public void CpuDefaultScale_SmallEnoughForAQuickRunUnderAMinute()
    {
        var s = CpuBackend.DefaultScale;
        Assert.True(s.MatmulSize <= 64);
        Assert.True(s.MaxPatternBytes <= 1 << 20);
    }
}
