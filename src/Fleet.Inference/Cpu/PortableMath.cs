using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Fleet.Inference.Cpu;

/// <summary>
/// The kernels' arithmetic on CPUs without AVX-512 (where <see cref="RunCMath.Exact"/> is false): run.c's formulas as
/// plain vector and scalar code — same results to a few ulps, not run.c's bits.
/// </summary>
internal static class PortableMath
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float Dot(float* a, float* b, int n)
    {
        var j = 0;
        var s = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; j + 8 <= n; j += 8)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + j), Vector256.Load(b + j), acc);
            }

            s = Vector256.Sum(acc);
        }

        for (; j < n; j++)
        {
            s = MathF.FusedMultiplyAdd(a[j], b[j], s);
        }

        return s;
    }

    /// <summary>x[j] ← exp(x[j] − max); returns their sum.</summary>
    public static unsafe float ExpSum(float* x, int n, float max)
    {
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }

        return sum;
    }

    /// <summary>h ← h · (1 / (1 + exp(−h))) on [start, end).</summary>
    public static unsafe void Silu(float* h, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            h[i] = 1.0f / (MathF.Exp(-h[i]) + 1.0f) * h[i];
        }
    }

    public static float ReciprocalSqrt(float x) => 1f / MathF.Sqrt(x);
}
