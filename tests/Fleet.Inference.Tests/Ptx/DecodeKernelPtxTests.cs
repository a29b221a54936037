namespace Fleet.Inference.Tests.Ptx;

/// <summary>
/// The decode kernels' hot loops, read from the PTX ILGPU emits for sm_90 (no ptxas needed): weights and activations
/// come in 16-byte vector loads (<c>ld.global.v4</c>), not the 2-byte loads of the scalar GEMV.
/// </summary>
public class DecodeKernelPtxTests(PtxFixture fixture) : IClassFixture<PtxFixture>
{
    [Theory]
    [InlineData("GpuKernels.GemvWarp")]
    [InlineData("GpuKernels.QkvRope")]
    [InlineData("GpuKernels.Mlp")]
    public void InnermostLoop_DecodeProduct_Reads16ByteVectorsOnly(string kernel)
    {
        var loads = PtxInspection.InnermostLoopLoads(fixture.Compiler.PtxOf(kernel)).Where(l => l.FromDeviceMemory).ToList();

        Assert.Contains(loads, l => l.VectorWidth == 4 && l.Bytes == 16);
        Assert.DoesNotContain(loads, l => l.Bytes == 2);
    }

    [Fact]
    public void InnermostLoop_ScalarFallbackGemv_ReadsTwoByteWeights()
    {
        // The kernel for rows that are not 16-byte multiples: what the check above tells apart.
        var loads = PtxInspection.InnermostLoopLoads(fixture.Compiler.PtxOf("GpuKernels.Gemv")).Where(l => l.FromDeviceMemory).ToList();

        Assert.Contains(loads, l => l.Bytes == 2);
    }
}
