using System.Runtime.Intrinsics;
using Fleet.Inference.Cpu;

namespace Fleet.Inference.Tests;

public class RunCMathTests
{
    [SkippableFact]
    public void Exp_AcrossTheRange_WithinFourUlpOfScalarExpf_AndExactBeyondTheCutoff()
    {
        Skip.IfNot(RunCMath.Exact, "AVX-512 only");
        var r = new Random(7);
        var xs = Enumerable.Range(0, 4096).Select(i => i < 64 ? -100f + (i * 3f) : (r.NextSingle() * 180f) - 95f).ToArray();
        xs[0] = float.NaN;
        xs[1] = float.NegativeInfinity;
        for (var i = 0; i + 16 <= xs.Length; i += 16)
        {
            var e = RunCMath.Exp(Vector512.Create(xs, i));
            for (var k = 0; k < 16; k++)
            {
                var x = xs[i + k];
                var expected = MathF.Exp(x);
                if (!(MathF.Abs(x) <= 87.34f))
                {
                    // libmvec hands these lanes (and NaN) to the scalar expf.
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(e[k]));
                }
                else if (MathF.Abs(x) <= 87.33f)
                {
                    var ulps = Math.Abs(BitConverter.SingleToInt32Bits(expected) - BitConverter.SingleToInt32Bits(e[k]));
                    Assert.True(ulps <= 4, $"exp({x}) = {e[k]}, expf gives {expected} ({ulps} ulp)");
                }
            }
        }
    }

    [SkippableFact]
    public void Exp_EightLanes_SameBitsAsSixteen()
    {
        Skip.IfNot(RunCMath.Exact, "AVX-512 only");
        var xs = Enumerable.Range(0, 16).Select(i => (i * 6.5f) - 60f).ToArray();
        var wide = RunCMath.Exp(Vector512.Create(xs));
        var narrow = RunCMath.Exp(Vector256.Create(xs, 8));
        for (var k = 0; k < 8; k++)
        {
            Assert.Equal(wide[8 + k], narrow[k]);
        }
    }

    [SkippableFact]
    public unsafe void Dot_FoldsLanesPairwise_NotSequentially()
    {
        Skip.IfNot(RunCMath.Exact, "AVX-512 only");

        // Lane 0 holds 1e8 and lane 8 holds −1e8; gcc folds lane i with lane i + 8 first, so they cancel and the 14 ones
        // survive: 14. Summed left to right in float, each 1 after 1e8 is lost: 7.
        var a = Enumerable.Repeat(1f, 16).ToArray();
        a[0] = 1e8f;
        a[8] = -1e8f;
        var ones = Enumerable.Repeat(1f, 16).ToArray();
        fixed (float* pa = a)
        fixed (float* po = ones)
        {
            Assert.Equal(14f, RunCMath.Dot(pa, po, 16));
        }
    }

    [SkippableFact]
    public unsafe void Dot_OddLengths_MatchDoubleSum()
    {
        Skip.IfNot(RunCMath.Exact, "AVX-512 only");
        var r = new Random(3);
        foreach (var n in new[] { 1, 7, 8, 15, 16, 23, 24, 31, 204, 524 })
        {
            var a = Enumerable.Range(0, n).Select(_ => r.NextSingle() - 0.5f).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => r.NextSingle() - 0.5f).ToArray();
            var expected = Enumerable.Range(0, n).Sum(i => (double)a[i] * b[i]);
            fixed (float* pa = a)
            fixed (float* pb = b)
            {
                Assert.Equal(expected, RunCMath.Dot(pa, pb, n), 1e-5);
            }
        }
    }

    [SkippableFact]
    public void ReciprocalSqrt_NewtonStep_WithinTwoUlpOfExact()
    {
        Skip.IfNot(RunCMath.Exact, "AVX-512 only");
        foreach (var x in new[] { 1e-5f, 0.25f, 1f, 2f, 34f, 48f, 4.00001f, 12345.6f })
        {
            var exact = (float)(1 / Math.Sqrt(x));
            var ulps = Math.Abs(BitConverter.SingleToInt32Bits(exact) - BitConverter.SingleToInt32Bits(RunCMath.ReciprocalSqrt(x)));
            Assert.True(ulps <= 2, $"1/sqrt({x}): {ulps} ulp");
        }
    }
}

/// <summary>The non-AVX-512 arithmetic, called directly (on this machine the kernels take the exact path).</summary>
public class PortableMathTests
{
    [Fact]
    public unsafe void Dot_OddLengths_MatchDoubleSum()
    {
        var r = new Random(4);
        foreach (var n in new[] { 1, 7, 8, 15, 16, 23, 204 })
        {
            var a = Enumerable.Range(0, n).Select(_ => r.NextSingle() - 0.5f).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => r.NextSingle() - 0.5f).ToArray();
            fixed (float* pa = a)
            fixed (float* pb = b)
            {
                Assert.Equal(Enumerable.Range(0, n).Sum(i => (double)a[i] * b[i]), PortableMath.Dot(pa, pb, n), 1e-5);
            }
        }
    }

    [Fact]
    public unsafe void ExpSum_And_Silu_MatchFormulas()
    {
        var x = new[] { -3f, 0f, 1.5f, -100f, 2f };
        var expected = x.Select(v => Math.Exp(v - 2)).ToArray();
        fixed (float* p = x)
        {
            Assert.Equal(expected.Sum(), PortableMath.ExpSum(p, x.Length, 2f), 1e-6);
        }

        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(expected[i], x[i], 1e-7);
        }

        var h = new[] { -2f, 0f, 3f };
        fixed (float* p = h)
        {
            PortableMath.Silu(p, 0, h.Length);
        }

        Assert.Equal(-2 / (1 + Math.Exp(2)), h[0], 1e-6);
        Assert.Equal(0, h[1], 1e-7);
        Assert.Equal(3 / (1 + Math.Exp(-3)), h[2], 1e-6);
        Assert.Equal(0.5, PortableMath.ReciprocalSqrt(4f), 1e-7);
    }
}
