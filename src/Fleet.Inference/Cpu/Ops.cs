using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Fleet.Inference.Cpu;

/// <summary>
/// The transformer's building blocks on the CPU. Greedy decoding must pick run.c's argmax, so on AVX-512 machines each
/// kernel rounds exactly as run.c built with gcc -Ofast -march=native does (see <see cref="RunCMath"/>): the same logits,
/// bit for bit. Elsewhere the same formulas run as plain vector code.
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
        y[3] = -1000f; // a lane beyond expf's vector range: its scalar fallback
        Softmax(y.AsSpan(0, 16));
    }

    /// <summary>
    /// o = weight · x / sqrt(mean(x²) + eps), run.c's rmsnorm as gcc -Ofast evaluates it. Inside the layer loop
    /// (<paramref name="inLayer"/>) gcc inlines it with 1/dim hoisted — mean plus eps becomes one multiply-add — and
    /// multiplies weight and x first on 16-lane blocks, 1/sqrt and x first elsewhere; the final norm divides, then adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RmsNorm(
        Span<float> output, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps = 1e-5f, bool inLayer = false)
    {
        var size = x.Length;
        if (output.Length < size || weight.Length < size)
        {
            throw new ArgumentException("Output and weight must be as long as x.");
        }

        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* po = output)
        {
            var ss = DotProduct(px, px, size);
            ss = inLayer ? MathF.FusedMultiplyAdd(ss, 1.0f / size, eps) : (ss / size) + eps;
            ss = RunCMath.Exact ? RunCMath.ReciprocalSqrt(ss) : PortableMath.ReciprocalSqrt(ss);
            var n16 = inLayer ? size / 16 * 16 : size;
            var j = 0;
            for (; j < n16; j++)
            {
                po[j] = pw[j] * px[j] * ss;
            }

            for (; j < size; j++)
            {
                po[j] = ss * px[j] * pw[j];
            }
        }
    }

    /// <summary>
    /// In-place softmax: max-subtracted exp, float sum, then multiplication by 1/sum — run.c's softmax as gcc -Ofast
    /// evaluates it (libmvec's vector expf, a lane-wise sum; see <see cref="RunCMath"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Softmax(Span<float> x)
    {
        var max = TensorPrimitives.Max<float>(x);
        var n = x.Length;
        float sum;
        fixed (float* p = x)
        {
            sum = RunCMath.Exact ? RunCMath.ExpSum(p, n, max) : PortableMath.ExpSum(p, n, max);
        }

        TensorPrimitives.Multiply(x, 1.0f / sum, x);
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
            var val = pos * Frequency(i % headSize, headSize, theta);
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
            var val = pos * Frequency(2 * j, headSize, theta);
            cos[j] = MathF.Cos(val);
            sin[j] = MathF.Sin(val);
        }
    }

    /// <summary>
    /// run.c's <c>1.0f / powf(theta, headDim / (float)headSize)</c> the way gcc -Ofast computes it:
    /// <c>expf(−(headDim · (1/headSize)) · ln theta)</c>.
    /// </summary>
    private static float Frequency(int headDim, int headSize, float theta) =>
        MathF.Exp(-(headDim * (1.0f / headSize)) * MathF.Log(theta));

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

        var scale = RunCMath.Exact ? RunCMath.ReciprocalSqrt(headSize) : PortableMath.ReciprocalSqrt(headSize);
        fixed (float* pq = q)
        fixed (float* pk = keyCache)
        fixed (float* pv = valueCache)
        fixed (float* ps = scores)
        fixed (float* po = output)
        {
            for (var t = 0; t <= pos; t++)
            {
                ps[t] = DotProduct(pk + ((long)t * rowStride) + headOffset, pq, headSize) * scale;
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
                    a = MathF.FusedMultiplyAdd(ps[t], *v, a);
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

    /// <summary>x ← x · sigmoid(x) · gate (SwiGLU) over the whole vector.</summary>
    public static void SwiGlu(Span<float> hidden, ReadOnlySpan<float> gate) => SwiGlu(hidden, gate, 0, hidden.Length);

    /// <summary>
    /// x ← x · sigmoid(x) · gate on [start, end) of the whole hidden vector (start a multiple of 16): run.c's
    /// <c>hb · (1 / (1 + expf(−hb)))</c> then <c>· hb2</c>, rounded as gcc -Ofast's loop over the whole vector rounds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void SwiGlu(Span<float> hidden, ReadOnlySpan<float> gate, int start, int end)
    {
        if (gate.Length < hidden.Length || start < 0 || end > hidden.Length || (start & 15) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "Range outside the vectors, or start not a multiple of 16.");
        }

        fixed (float* ph = hidden)
        fixed (float* pg = gate)
        {
            if (RunCMath.Exact)
            {
                RunCMath.Silu(ph, start, end, hidden.Length);
            }
            else
            {
                PortableMath.Silu(ph, start, end);
            }

            for (var i = start; i < end; i++)
            {
                ph[i] *= pg[i];
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
                po[i] = DotProduct(row, px, n);
            }
        }
    }

    /// <summary>
    /// The batched <see cref="MatVecRows"/>: out[b·d + i] = Σ_j w[i, j] · x[b·n + j] for rows [start, end) of a row-major
    /// (d, n) matrix and the <paramref name="batch"/> input vectors of x, d = output.Length / batch. Each weight row is read
    /// from memory once and then used from cache for a block of inputs, which is what makes a batch cheaper than its
    /// sequences one by one; every output is the same dot product <see cref="MatVecRows"/> computes, bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MatMatRows(Span<float> output, ReadOnlySpan<float> x, int batch, ReadOnlySpan<float> w, int start, int end)
    {
        if (batch <= 0 || x.Length % batch != 0 || output.Length % batch != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), "x and output must hold batch whole vectors.");
        }

        var n = x.Length / batch;
        var d = output.Length / batch;
        if ((long)end * n > w.Length || end > d || start < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "Rows out of range of the matrix or output.");
        }

        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* po = output)
        {
            for (var b0 = 0; b0 < batch; b0 += MatMatBlock)
            {
                var b1 = Math.Min(batch, b0 + MatMatBlock);
                var row = pw + ((long)start * n);
                for (var i = start; i < end; i++, row += n)
                {
                    var b = b0;
                    if (RunCMath.Exact)
                    {
                        for (; b + 4 <= b1; b += 4)
                        {
                            var x0 = px + ((long)b * n);
                            RunCMath.Dot4(row, x0, x0 + n, x0 + (2L * n), x0 + (3L * n), n, po + ((long)b * d) + i, d);
                        }

                        if (b + 2 <= b1)
                        {
                            var x0 = px + ((long)b * n);
                            RunCMath.Dot2(row, x0, x0 + n, n, po + ((long)b * d) + i, d);
                            b += 2;
                        }
                    }

                    for (; b < b1; b++)
                    {
                        po[((long)b * d) + i] = DotProduct(row, px + ((long)b * n), n);
                    }
                }
            }
        }
    }

    /// <summary>Inputs used per pass over the weights: enough to amortise a row, few enough that they stay in L2.</summary>
    private const int MatMatBlock = 32;

    /// <summary>Σ w[j]·x[j]: run.c's reduction order on AVX-512 machines, plain vector code elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float DotProduct(float* w, float* x, int n) =>
        RunCMath.Exact ? RunCMath.Dot(w, x, n) : PortableMath.Dot(w, x, n);

    private static void Rotate(Span<float> v, int i, float fcr, float fci)
    {
        var v0 = v[i];
        var v1 = v[i + 1];
        v[i] = (v0 * fcr) - (v1 * fci);
        v[i + 1] = (v0 * fci) + (v1 * fcr);
    }
}
