namespace Fleet.Inference.Tests.Ptx;

public class PtxInspectionTests
{
    private static string SamplePtx(string kernel)
    {
        using var compiler = new PtxCompiler();
        return compiler.Compile(typeof(SampleKernels).GetMethod(kernel)!, implicitlyGrouped: false);
    }

    [Fact]
    public void InnermostLoopLoads_KernelReadingFourWordStructs_Has16ByteDeviceLoad()
    {
        var loads = PtxInspection.InnermostLoopLoads(SamplePtx(nameof(SampleKernels.SumVectors)));

        Assert.Contains(loads, l => l.FromDeviceMemory && l.Bytes == 16 && l.VectorWidth == 4);
    }

    [Fact]
    public void InnermostLoopLoads_KernelReadingUshorts_HasOnlyTwoByteDeviceLoads()
    {
        var loads = PtxInspection.InnermostLoopLoads(SamplePtx(nameof(SampleKernels.SumScalars))).Where(l => l.FromDeviceMemory).ToList();

        Assert.NotEmpty(loads);
        Assert.All(loads, l => Assert.Equal(2, l.Bytes));
    }

    [Theory]
    [InlineData("ld.global.nc.v4.u32 {%r1, %r2, %r3, %r4}, [%rd1];", "global", 4, 4)]
    [InlineData("ld.v4.b32\t{%r10, %r11, %r12, %r13}, [%rd6];", "generic", 4, 4)]
    [InlineData("@%p1 ld.global.v2.f64 {%fd1, %fd2}, [%rd2];", "global", 2, 8)]
    [InlineData("ld.param.b64\t%rd1, [_words_1792];", "param", 1, 8)]
    [InlineData("ld.shared.f32\t%f1, [%rd3];", "shared", 1, 4)]
    [InlineData("ld.global.nc.L1::no_allocate.v8.b16 {%rs1,%rs2,%rs3,%rs4,%rs5,%rs6,%rs7,%rs8}, [%rd1];", "global", 8, 2)]
    public void Loads_OneInstruction_ReadsStateSpaceVectorWidthAndElementSize(string instruction, string space, int width, int bytes)
    {
        var load = Assert.Single(PtxInspection.Loads([instruction]));

        Assert.Equal((space, width, bytes), (load.StateSpace, load.VectorWidth, load.ElementBytes));
    }

    [Fact]
    public void Loops_NestedLoopsWithBodiesAfterTheirExits_FindsTheInnerOneAsInnermost()
    {
        // The outer loop (L_1) reads 4 bytes per step; the inner (L_2, body L_4 laid out after its exit L_3) 16.
        const string ptx = """
            .visible .entry Kernel_Nested(
            	.param .b64 _p
            )
            {
            	.reg .pred %p<3>;
            	ld.param.b64	%rd1, [_p];
            	bra	L_1;
            L_1:
            	@%p1 bra	L_5;
            	ld.b32	%r1, [%rd1];
            	bra	L_2;
            L_2:
            	@%p2 bra	L_4;
            	bra.uni	L_3;
            L_3:
            	bra	L_1;
            L_4:
            	ld.v4.b32	{%r2, %r3, %r4, %r5}, [%rd1];
            	bra	L_2;
            L_5:
            	ret;
            }
            """;

        var loops = PtxInspection.Loops(ptx);

        Assert.Equal(2, loops.Count);
        var inner = Assert.Single(loops, l => l.Innermost);
        Assert.Equal("L_2", inner.Header);
        Assert.Equal(["L_2", "L_4"], inner.Blocks.Order());
        Assert.Equal(16, Assert.Single(inner.Loads).Bytes);
        var outer = Assert.Single(loops, l => !l.Innermost);
        Assert.Equal(["L_1", "L_2", "L_3", "L_4"], outer.Blocks.Order());
        Assert.Equal([16], PtxInspection.InnermostLoopLoads(ptx).Select(l => l.Bytes));
    }
}
