using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Fleet.Inference.Cpu;

/// <summary>
/// The transformer's building blocks on the CPU, each written to round as run.c does (float accumulators, its loop order,
/// the C library's expf/powf/cosf/sinf), because greedy decoding must pick the same argmax as run.c.
/// </summary>
public static class Ops
{
    /// <summary>o = weight · x / sqrt(mean(x²) + eps), with run.c's sequential float sum of squares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm(Span<float> output, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps = 1e-5f)
    {
        var size = x.Length;
        var ss = 0f;
        for (var j = 0; j < size; j++)
        {
            ss += x[j] * x[j];
        }

        ss /= size;
        ss += eps;
        ss = 1f / MathF.Sqrt(ss);
        for (var j = 0; j < size; j++)
        {
            output[j] = weight[j] * (ss * x[j]);
        }
    }

    /// <summary>In-place softmax: max-subtracted expf, sequential float sum, then division (run.c's order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(Span<float> x)
    {
        var max = x[0];
        for (var i = 1; i < x.Length; i++)
        {
            if (x[i] > max)
            {
                max = x[i];
            }
        }

        var sum = 0f;
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }

        for (var i = 0; i < x.Length; i++)
        {
            x[i] /= sum;
        }
    }

    /// <summary>
    /// Rotary position embedding over interleaved pairs (x[2j], x[2j+1]) of each head, frequency theta^(-2j/headSize);
    /// applied to q over dim and to k over kvDim only, exactly as run.c's loop.
    /// </summary>
    public static void Rope(Span<float> q, Span<float> k, int pos, int headSize, float theta = 10000f)
    {
        var dim = q.Length;
        var kvDim = k.Length;
        for (var i = 0; i < dim; i += 2)
        {
            var headDim = i % headSize;
            var freq = 1.0f / MathF.Pow(theta, headDim / (float)headSize);
            var val = pos * freq;
            var fcr = MathF.Cos(val);
            var fci = MathF.Sin(val);
            Rotate(q, i, fcr, fci);
            if (i < kvDim)
            {
                Rotate(k, i, fcr, fci);
            }
        }
    }

    /// <summary>Fills cos/sin of pos·freq_j for j &lt; headSize/2 (what <see cref="Rope"/> computes per pair).</summary>
    public static void RopeTable(Span<float> cos, Span<float> sin, int pos, int headSize, float theta = 10000f)
    {
        for (var j = 0; j < headSize / 2; j++)
        {
            var freq = 1.0f / MathF.Pow(theta, (2 * j) / (float)headSize);
            var val = pos * freq;
            cos[j] = MathF.Cos(val);
            sin[j] = MathF.Sin(val);
        }
    }

    /// <summary>Rotates each interleaved pair of <paramref name="v"/> by a precomputed table (same values as <see cref="Rope"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RopeApply(Span<float> v, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int headSize)
    {
        for (var i = 0; i < v.Length; i += 2)
        {
            var j = (i % headSize) / 2;
            Rotate(v, i, cos[j], sin[j]);
        }
    }

    /// <summary>
    /// One head of causal attention (vectorised dot products and a fused multiply-add for the value sum, which is what
    /// gcc -Ofast -march=native makes of run.c's loops) at position <paramref name="pos"/>: scores q·k_t/sqrt(headSize) for t ≤ pos, softmax,
    /// weighted sum of v_t. Keys and values are rows of <paramref name="keyCache"/>/<paramref name="valueCache"/> with stride
    /// <paramref name="rowStride"/>, starting at <paramref name="headOffset"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AttentionHead(
        ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache, int rowStride, int headOffset,
        int pos, Span<float> scores, Span<float> output)
    {
        var headSize = q.Length;
        var scale = MathF.Sqrt(headSize);
        for (var t = 0; t <= pos; t++)
        {
            var k = keyCache.Slice((t * rowStride) + headOffset, headSize);
            scores[t] = TensorPrimitives.Dot(q, k) / scale;
        }

        Softmax(scores[..(pos + 1)]);
        output[..headSize].Clear();
        for (var t = 0; t <= pos; t++)
        {
            var v = valueCache.Slice((t * rowStride) + headOffset, headSize);
            TensorPrimitives.FusedMultiplyAdd(v, scores[t], output[..headSize], output[..headSize]);
        }
    }

    /// <summary>x ← x · sigmoid(x) · gate (SwiGLU), with run.c's 1/(1+expf(-x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwiGlu(Span<float> hidden, ReadOnlySpan<float> gate)
    {
        for (var i = 0; i < hidden.Length; i++)
        {
            var h = hidden[i];
            h *= 1.0f / (1.0f + MathF.Exp(-h));
            hidden[i] = h * gate[i];
        }
    }

    /// <summary>
    /// out[i] = Σ_j w[i, j] · x[j] for rows [start, end) of a row-major (d, n) matrix. Four rows share each load of x;
    /// each row keeps float accumulators (one per SIMD lane, as gcc -Ofast vectorises run.c's loop), then a horizontal sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MatVecRows(Span<float> output, ReadOnlySpan<float> x, ReadOnlySpan<float> w, int start, int end)
    {
        var n = x.Length;
        if ((long)end * n > w.Length || end > output.Length || start < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "Rows out of range of the matrix or output.");
        }

        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* po = output)
        {
            var i = start;
            for (; i + 4 <= end; i += 4)
            {
                Dot4(pw + ((long)i * n), n, px, po + i);
            }

            for (; i < end; i++)
            {
                po[i] = Dot(pw + ((long)i * n), px, n);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot4(float* w, int n, float* x, float* output)
    {
        var j = 0;
        var r0 = w;
        var r1 = w + n;
        var r2 = w + (2 * n);
        var r3 = w + (3 * n);
        float s0, s1, s2, s3;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var a2 = Vector512<float>.Zero;
            var a3 = Vector512<float>.Zero;
            for (; j + 16 <= n; j += 16)
            {
                var xv = Vector512.Load(x + j);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(r0 + j), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(r1 + j), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(r2 + j), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(r3 + j), xv, a3);
            }

            s0 = Vector512.Sum(a0);
            s1 = Vector512.Sum(a1);
            s2 = Vector512.Sum(a2);
            s3 = Vector512.Sum(a3);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var a2 = Vector256<float>.Zero;
            var a3 = Vector256<float>.Zero;
            for (; j + 8 <= n; j += 8)
            {
                var xv = Vector256.Load(x + j);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(r0 + j), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(r1 + j), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(r2 + j), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(r3 + j), xv, a3);
            }

            s0 = Vector256.Sum(a0);
            s1 = Vector256.Sum(a1);
            s2 = Vector256.Sum(a2);
            s3 = Vector256.Sum(a3);
        }
        else
        {
            s0 = s1 = s2 = s3 = 0f;
        }

        for (; j < n; j++)
        {
            var xj = x[j];
            s0 += r0[j] * xj;
            s1 += r1[j] * xj;
            s2 += r2[j] * xj;
            s3 += r3[j] * xj;
        }

        output[0] = s0;
        output[1] = s1;
        output[2] = s2;
        output[3] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Dot(float* w, float* x, int n)
    {
        var j = 0;
        var s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var a = Vector512<float>.Zero;
            for (; j + 16 <= n; j += 16)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.Load(w + j), Vector512.Load(x + j), a);
            }

            s = Vector512.Sum(a);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var a = Vector256<float>.Zero;
            for (; j + 8 <= n; j += 8)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Load(w + j), Vector256.Load(x + j), a);
            }

            s = Vector256.Sum(a);
        }

        for (; j < n; j++)
        {
            s += w[j] * x[j];
        }

        return s;
    }

    private static void Rotate(Span<float> v, int i, float fcr, float fci)
    {
        var v0 = v[i];
        var v1 = v[i + 1];
        v[i] = (v0 * fcr) - (v1 * fci);
        v[i + 1] = (v0 * fci) + (v1 * fcr);
    }
}
