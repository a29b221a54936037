using Fleet.Domain.Catalog;
using Fleet.Gpu.Kernels;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Tests.Support;

namespace Fleet.Gpu.Tests.Matmul;

public class MatmulVerifierTests
{
    private static (HostMatrix A, HostMatrix B, double[] C) Exact(Precision p, int n, int seed)
    {
        var random = new Random(seed);
        var a = HostMatrix.Random(p, n, random);
        var b = HostMatrix.Random(p, n, random);
        return (a, b, Reference.Multiply(a.Values, b.Values, n));
    }

    [Theory]
    [InlineData(Precision.Fp64)]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void Verify_ExactProduct_Passes(Precision p)
    {
        var (a, b, c) = Exact(p, 40, 1);
        var check = MatmulVerifier.Verify(p, 40, a.Values, b.Values, c, 64, new Random(2));
        Assert.True(check.Passed);
        Assert.Equal(64, check.SampleSize);
        Assert.True(check.MaxRelativeError < 1e-12);
    }

    [Fact]
    public void Verify_ProductRoundedToFp32_PassesFp32Tolerance()
    {
        var (a, b, c) = Exact(Precision.Fp32, 64, 3);
        var rounded = c.Select(v => (double)(float)v).ToArray();
        Assert.True(MatmulVerifier.Verify(Precision.Fp32, 64, a.Values, b.Values, rounded, 64, new Random(4)).Passed);
    }

    [Fact]
    public void Verify_OneElementOff_CaughtByItsRowAndColumnChecksums()
    {
        const int n = 32;
        var (a, b, c) = Exact(Precision.Fp32, n, 5);
        c[(7 * n) + 11] += 0.05; // far above FP32 rounding, far below what a self-comparison would notice if repeated
        var check = MatmulVerifier.Verify(Precision.Fp32, n, a.Values, b.Values, c, 0, new Random(6));
        Assert.False(check.Passed);
        Assert.Equal(1, check.ColumnChecksumMismatches);
        Assert.Equal(1, check.RowChecksumMismatches);
    }

    [Fact]
    public void Verify_NaNInResult_CountedAsNonFinite()
    {
        var (a, b, c) = Exact(Precision.Fp64, 16, 7);
        c[3] = double.NaN;
        var check = MatmulVerifier.Verify(Precision.Fp64, 16, a.Values, b.Values, c, 8, new Random(8));
        Assert.Equal(1, check.NonFinite);
        Assert.False(check.Passed);
    }

    [Fact]
    public void Verify_SampleCoveringEveryElement_FindsTheSmallError()
    {
        // Sampling all n² positions (with replacement, many draws) hits the bad element; the sample check is per element.
        const int n = 8;
        var (a, b, c) = Exact(Precision.Fp32, n, 9);
        c[5] *= 1.01;
        var check = MatmulVerifier.Verify(Precision.Fp32, n, a.Values, b.Values, c, 2000, new Random(10));
        Assert.True(check.SampleMismatches > 0);
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // 1 + 2^-8: halfway, rounds to even (down)
    [InlineData(1.01171875f, (ushort)0x3F82)] // 1 + 3·2^-8: halfway, rounds to even (up)
    [InlineData(0.0f, (ushort)0x0000)]
    public void FloatToBf16_KnownValues_RoundToNearestEven(float value, ushort bits)
    {
        Assert.Equal(bits, HostMatrix.FloatToBf16(value));
    }

    [Theory]
    [InlineData(1.0, (byte)0x38)]      // exponent 7 (bias 7), mantissa 0
    [InlineData(-2.0, (byte)0xC0)]
    [InlineData(448.0, (byte)0x7E)]    // largest finite: 1.75·2⁸
    [InlineData(1000.0, (byte)0x7E)]   // saturates
    [InlineData(0.0625, (byte)0x18)]   // 2⁻⁴
    [InlineData(0.001953125, (byte)0x01)] // 2⁻⁹, smallest subnormal
    [InlineData(1.0625, (byte)0x38)]   // halfway between 1 and 1.125: to even (1)
    [InlineData(1.1875, (byte)0x3A)]   // halfway between 1.125 and 1.25: to even (1.25)
    public void DoubleToE4M3_KnownValues(double value, byte bits)
    {
        Assert.Equal(bits, HostMatrix.DoubleToE4M3(value));
    }

    [Fact]
    public void E4M3_KernelDecoder_MatchesHostDecoderForAllCodes()
    {
        for (var b = 0; b < 256; b++)
        {
            var host = HostMatrix.E4M3ToDouble((byte)b);
            var kernel = MatmulKernels.E4M3((byte)b);
            Assert.True(double.IsNaN(host) ? float.IsNaN(kernel) : kernel == host, $"code 0x{b:X2}: kernel {kernel}, host {host}");
            if (!double.IsNaN(host))
            {
                Assert.Equal((byte)b, HostMatrix.DoubleToE4M3(host)); // every finite code round-trips, −0 included
            }
        }
    }

    [Fact]
    public void From_Bf16_ValuesAreExactlyRepresentable()
    {
        var m = HostMatrix.From(Precision.Bf16, 2, [0.1, -0.3, 1.0 / 3, 2.5]);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(m.Values[i], HostMatrix.Bf16ToFloat(m.Raw16![i]));
            Assert.True(Math.Abs(m.Values[i] - new[] { 0.1, -0.3, 1.0 / 3, 2.5 }[i]) <= Math.Abs(m.Values[i]) * Math.Pow(2, -8));
        }
    }

    [Theory]
    [InlineData(1024, 48 * 1024, 32)] // a GPU: 32² threads and 2·32²·4 B = 8 KiB both fit
    [InlineData(16, 1 << 20, 4)]      // the CPU accelerator's 16-thread groups: 4² = 16
    [InlineData(256, 1024, 8)]        // shared memory binds: 2·t²·4 ≤ 1024 → t² ≤ 128 → 8
    [InlineData(1024, 32, 2)]         // 2·t²·4 ≤ 32 → t ≤ 2
    [InlineData(1, 1 << 20, 1)]
    public void ChooseTile_DeviceLimits_LargestFittingPowerOfTwo(int threads, long sharedBytes, int expected)
    {
        Assert.Equal(expected, IlgpuMatmulEngine.ChooseTile(threads, sharedBytes));
    }

    [Fact]
    public void ToMetrics_CheckWithMismatches_ReportsEachCountAndTheTolerance()
    {
        var check = new ReferenceCheck
        {
            ColumnChecksumMismatches = 3, RowChecksumMismatches = 5, SampleMismatches = 7, SampleSize = 64, NonFinite = 1,
            MaxRelativeError = 0.25, Tolerance = 1e-3, Rms = 9,
        };

        var metrics = check.ToMetrics();

        Assert.Equal((3L, 5L, 7L, 64), (metrics.ColumnChecksumMismatches, metrics.RowChecksumMismatches, metrics.SampleMismatches, metrics.SampleSize));
        Assert.Equal((0.25, 1e-3), (metrics.MaxRelativeError, metrics.Tolerance));
    }
}
