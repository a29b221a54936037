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
    private static int _warm;

    /// <summary>
    /// Runs every kernel once on scratch data, so the JIT compiles them — and the generic vector helpers they call,
    /// such as the vector exp that the first 16-wide softmax needs — before anybody times a decode step. Idempotent.
    /// </summary>
    public static void WarmUp()
    {
        if (Interlocked.Exchange(ref _warm, 1) != 0)
        {
            return;
        }

        const int Rows = 24;
        const int Head = 80;
        var x = new float[Head];
        var y = new float[Head];
        var w = new float[Rows * Head];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = ((i % 7) - 3) * 0.01f;
        }

        x.AsSpan().Fill(0.5f);
        RmsNorm(y, x, x);
        MatVecRows(y, x, w, 0, Rows - 1);
        RopeTable(y.AsSpan(0, Head / 2), y.AsSpan(Head / 2), 3, Head);
        RopeApply(x, y.AsSpan(0, Head / 2), y.AsSpan(Head / 2), Head);
        SwiGlu(y, x);
        var scores = new float[Rows];
        AttentionHead(x, w, w, Head, 0, Rows - 1, scores, y);
        Softmax(y.AsSpan(0, 12));
    }

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

    /// <summary>
    /// In-place softmax: max-subtracted exp, float sum, then division — run.c's steps. Vectorised as gcc -Ofast makes of
    /// run.c's loops (glibc's vector expf, a lane-wise sum), so the last bits may differ from a scalar loop; argmax does not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Softmax(Span<float> x)
    {
        var max = TensorPrimitives.Max<float>(x);
        var n = x.Length;
        var i = 0;
        var sum = 0f;
        fixed (float* p = x)
        {
            if (Vector512.IsHardwareAccelerated && n >= 16)
            {
                var m = Vector512.Create(max);
                var acc = Vector512<float>.Zero;
                for (; i + 16 <= n; i += 16)
                {
                    var e = Vector512.Exp(Vector512.Load(p + i) - m);
                    e.Store(p + i);
                    acc += e;
                }

                sum = Vector512.Sum(acc);
            }
            else if (Vector256.IsHardwareAccelerated && n >= 8)
            {
                var m = Vector256.Create(max);
                var acc = Vector256<float>.Zero;
                for (; i + 8 <= n; i += 8)
                {
                    var e = Vector256.Exp(Vector256.Load(p + i) - m);
                    e.Store(p + i);
                    acc += e;
                }

                sum = Vector256.Sum(acc);
            }

            for (; i < n; i++)
            {
                p[i] = MathF.Exp(p[i] - max);
                sum += p[i];
            }
        }

        TensorPrimitives.Divide(x, sum, x);
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
    /// One head of causal attention at position <paramref name="pos"/>: scores q·k_t/sqrt(headSize) for t ≤ pos, softmax,
    /// weighted sum of v_t. Keys and values are rows of <paramref name="keyCache"/>/<paramref name="valueCache"/> with stride
    /// <paramref name="rowStride"/>, starting at <paramref name="headOffset"/>. The weighted sum keeps up to 64 output
    /// floats in registers across all t (what gcc -Ofast -march=native makes of run.c's loops, without the stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void AttentionHead(
        ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache, int rowStride, int headOffset,
        int pos, Span<float> scores, Span<float> output)
    {
        var headSize = q.Length;
        var last = ((long)pos * rowStride) + headOffset + headSize;
        if (pos < 0 || scores.Length <= pos || output.Length < headSize || keyCache.Length < last || valueCache.Length < last)
        {
            throw new ArgumentOutOfRangeException(nameof(pos), "Position out of range of the cache, scores or output.");
        }

        var scale = MathF.Sqrt(headSize);
        fixed (float* pq = q)
        fixed (float* pk = keyCache)
        fixed (float* pv = valueCache)
        fixed (float* ps = scores)
        fixed (float* po = output)
        {
            for (var t = 0; t <= pos; t++)
            {
                ps[t] = Dot(pk + ((long)t * rowStride) + headOffset, pq, headSize) / scale;
            }

            Softmax(scores[..(pos + 1)]);
            var c = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c + 16 <= headSize; c += 64)
                {
                    WeightedSum(pv + headOffset + c, rowStride, ps, pos, po + c, Math.Min(4, (headSize - c) / 16));
                }

                c = headSize / 16 * 16;
            }

            for (; c < headSize; c++)
            {
                var a = 0f;
                var v = pv + headOffset + c;
                for (var t = 0; t <= pos; t++, v += rowStride)
                {
                    a += ps[t] * *v;
                }

                po[c] = a;
            }
        }
    }

    /// <summary>output[0..16·vectors) = Σ_t weights[t] · v_t, one pass over the rows with every accumulator in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightedSum(float* v, int rowStride, float* weights, int pos, float* output, int vectors)
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        switch (vectors)
        {
            case 1:
                for (var t = 0; t <= pos; t++, v += rowStride)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(v), Vector512.Create(weights[t]), a0);
                }

                break;
            case 2:
                for (var t = 0; t <= pos; t++, v += rowStride)
                {
                    var w = Vector512.Create(weights[t]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(v), w, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 16), w, a1);
                }

                break;
            case 3:
                for (var t = 0; t <= pos; t++, v += rowStride)
                {
                    var w = Vector512.Create(weights[t]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(v), w, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 16), w, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 32), w, a2);
                }

                break;
            default:
                for (var t = 0; t <= pos; t++, v += rowStride)
                {
                    var w = Vector512.Create(weights[t]);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(v), w, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 16), w, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 32), w, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(v + 48), w, a3);
                }

                break;
        }

        a0.Store(output);
        if (vectors > 1)
        {
            a1.Store(output + 16);
        }

        if (vectors > 2)
        {
            a2.Store(output + 32);
        }

        if (vectors > 3)
        {
            a3.Store(output + 48);
        }
    }

    /// <summary>x ← x · sigmoid(x) · gate (SwiGLU), run.c's 1/(1+expf(-x)) with the vector exp gcc -Ofast uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SwiGlu(Span<float> hidden, ReadOnlySpan<float> gate)
    {
        var n = hidden.Length;
        if (gate.Length < n)
        {
            throw new ArgumentException("The gate is shorter than the hidden vector.", nameof(gate));
        }

        var i = 0;
        fixed (float* ph = hidden)
        fixed (float* pg = gate)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i + 16 <= n; i += 16)
                {
                    var h = Vector512.Load(ph + i);
                    h *= Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-h));
                    (h * Vector512.Load(pg + i)).Store(ph + i);
                }
            }

            for (; i < n; i++)
            {
                var h = ph[i];
                h *= 1.0f / (1.0f + MathF.Exp(-h));
                ph[i] = h * pg[i];
            }
        }
    }

    /// <summary>
    /// out[i] = Σ_j w[i, j] · x[j] for rows [start, end) of a row-major (d, n) matrix: one row after another, one SIMD
    /// accumulator per row, then a horizontal sum — the loop gcc -Ofast makes of run.c's matmul. Rows in order keep the
    /// weights one linear stream, which the hardware prefetchers follow best: a matrix-vector product streams its matrix
    /// from memory once, so that, not arithmetic, sets its speed (measured ~20 % faster than four interleaved rows).
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
            var row = pw + ((long)start * n);
            for (var i = start; i < end; i++, row += n)
            {
                po[i] = Dot(row, px, n);
            }
        }
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
