using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Fleet.Inference.Cpu;

/// <summary>
/// Float arithmetic in the order, and with the approximations, that <c>gcc -Ofast -march=native</c> gives run.c's loops on
/// an AVX-512 x86-64 machine with glibc — read off the disassembly of run.c built that way (gcc 12, glibc 2.36):
/// <list type="bullet">
/// <item>a float reduction (dot product, sum of squares, softmax sum) keeps one 16-lane accumulator; the lanes fold 16→8;
/// 8 to 15 left-over elements add one 8-lane step; the lanes then fold 8→4→2→1 pairwise; the last ≤ 7 elements add in
/// scalar (multiply-adds fused throughout);</item>
/// <item><c>1.0f / sqrtf(x)</c> is <c>rsqrtss</c> plus one Newton–Raphson step;</item>
/// <item>vectorised <c>1.0f / x</c> is <c>rcp14ps</c> (16 lanes) or <c>rcpps</c> (8 lanes) plus one Newton–Raphson step;
/// scalar division stays exact;</item>
/// <item>vectorised <c>expf</c> is glibc libmvec's (<c>_ZGVeN16v_expf</c>/<c>_ZGVdN8v_expf</c>: range reduction by
/// ln 2 in two parts, a degree-5 polynomial, scaling by 2^N; lanes with |x| &gt; 87.34 fall back to scalar
/// <c>expf</c>); scalar <c>expf</c> is the C library's, which <see cref="MathF.Exp"/> calls;</item>
/// <item><c>1.0f / powf(θ, y)</c> becomes <c>expf(−y · ln θ)</c>.</item>
/// </list>
/// With these (and the layer rmsnorm's folded multiply-add in <see cref="Ops.RmsNorm"/>) the logits equal run.c's bit for
/// bit, so greedy decoding picks run.c's token even at near-ties. On other CPUs (no AVX-512) the callers use
/// <see cref="PortableMath"/>: same formulas, not the same bits.
/// </summary>
internal static class RunCMath
{
    /// <summary>Whether this CPU runs the bit-faithful paths (AVX-512F with FMA).</summary>
    public static bool Exact => Avx512F.IsSupported && Vector512.IsHardwareAccelerated && Fma.IsSupported;

    private const int ExponentBias = 127;
    private const int SpecialAbove = 0x42aeac4f;    // |x| bits above this (≈ 87.336, or NaN): scalar expf

    // libmvec's expf constants, as bit patterns (its data table): log2(e), 1.5·2^23, ln 2 in two parts, the polynomial.
    private const int Log2E = 0x3fb8aa3b;
    private const int Shifter = 0x4b400000;
    private const int Ln2Hi = 0x3f317200;
    private const int Ln2Lo = 0x35bfbe8e;
    private const int C0 = 0x3f800000;
    private const int C1 = 0x3f7ffffe;
    private const int C2 = 0x3effff34;
    private const int C3 = 0x3e2aacac;
    private const int C4 = 0x3d2b8392;
    private const int C5 = 0x3c07d9fe;

    /// <summary>Σ a[j]·b[j] reduced as gcc reduces run.c's <c>val += w[i * n + j] * x[j]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float Dot(float* a, float* b, int n)
    {
        var acc = Vector512<float>.Zero;
        var j = 0;
        for (; j + 16 <= n; j += 16)
        {
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + j), Vector512.Load(b + j), acc);
        }

        return DotTail(acc, a, b, j, n);
    }

    /// <summary>
    /// Four dot products of one row <paramref name="a"/> with b0..b3, each reduced exactly as <see cref="Dot"/> reduces
    /// it (same accumulator, same tail), with one load of the row per 16 elements for all four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Dot4(float* a, float* b0, float* b1, float* b2, float* b3, int n, float* output, long stride)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var acc2 = Vector512<float>.Zero;
        var acc3 = Vector512<float>.Zero;
        var j = 0;
        for (; j + 16 <= n; j += 16)
        {
            var w = Vector512.Load(a + j);
            acc0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b0 + j), acc0);
            acc1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b1 + j), acc1);
            acc2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b2 + j), acc2);
            acc3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b3 + j), acc3);
        }

        output[0] = DotTail(acc0, a, b0, j, n);
        output[stride] = DotTail(acc1, a, b1, j, n);
        output[2 * stride] = DotTail(acc2, a, b2, j, n);
        output[3 * stride] = DotTail(acc3, a, b3, j, n);
    }

    /// <summary>
    /// Two dot products of one row <paramref name="a"/> with b0 and b1, each reduced exactly as <see cref="Dot"/> reduces
    /// it: what a batch left over after <see cref="Dot4"/> takes two at a time, so a pair of sequences costs about one
    /// dependent accumulator chain, not two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Dot2(float* a, float* b0, float* b1, int n, float* output, long stride)
    {
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        var j = 0;
        for (; j + 16 <= n; j += 16)
        {
            var w = Vector512.Load(a + j);
            acc0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b0 + j), acc0);
            acc1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(b1 + j), acc1);
        }

        output[0] = DotTail(acc0, a, b0, j, n);
        output[stride] = DotTail(acc1, a, b1, j, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float DotTail(Vector512<float> acc, float* a, float* b, int j, int n)
    {
        var s8 = acc.GetLower() + acc.GetUpper();
        if (n - j >= 8)
        {
            s8 = Vector256.FusedMultiplyAdd(Vector256.Load(a + j), Vector256.Load(b + j), s8);
            j += 8;
        }

        var s = Fold8(s8);
        for (; j < n; j++)
        {
            s = MathF.FusedMultiplyAdd(a[j], b[j], s);
        }

        return s;
    }

    /// <summary>x[j] ← exp(x[j] − max) for all j; returns their sum, reduced as gcc reduces run.c's softmax loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float ExpSum(float* x, int n, float max)
    {
        var acc = Vector512<float>.Zero;
        var j = 0;
        var m16 = Vector512.Create(max);
        for (; j + 16 <= n; j += 16)
        {
            var e = Exp(Vector512.Load(x + j) - m16);
            e.Store(x + j);
            acc += e;
        }

        var s8 = acc.GetLower() + acc.GetUpper();
        if (n - j >= 8)
        {
            var e = Exp(Vector256.Load(x + j) - Vector256.Create(max));
            e.Store(x + j);
            s8 = e + s8;
            j += 8;
        }

        var s = Fold8(s8);
        for (; j < n; j++)
        {
            x[j] = MathF.Exp(x[j] - max);
            s += x[j];
        }

        return s;
    }

    /// <summary>run.c's SiLU, <c>h · (1 / (1 + expf(−h)))</c>, on h[start..end) of a vector of <paramref name="total"/>
    /// (start a multiple of 16): which lanes gcc's loop gives 16-wide, 8-wide or scalar code decides the reciprocal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Silu(float* h, int start, int end, int total)
    {
        var n16 = total / 16 * 16;
        var n8 = total - n16 >= 8 ? n16 + 8 : n16;
        var i = start;
        for (; i + 16 <= end && i + 16 <= n16; i += 16)
        {
            var v = Vector512.Load(h + i);
            var d = Exp(-v) + Vector512<float>.One;
            var r = Avx512F.Reciprocal14(d);
            ((r + r - (r * (r * d))) * v).Store(h + i);
        }

        if (i == n16 && n8 > n16 && i + 8 <= end)
        {
            var v = Vector256.Load(h + i);
            var d = Exp(-v) + Vector256<float>.One;
            var r = Avx.Reciprocal(d);
            ((r + r - (r * (r * d))) * v).Store(h + i);
            i += 8;
        }

        for (; i < end; i++)
        {
            h[i] = 1.0f / (MathF.Exp(-h[i]) + 1.0f) * h[i];
        }
    }

    /// <summary><c>1.0f / sqrtf(x)</c> as gcc -Ofast emits it: rsqrtss and one Newton–Raphson step.</summary>
    public static float ReciprocalSqrt(float x)
    {
        var r = Sse.ReciprocalSqrtScalar(Vector128.CreateScalar(x)).ToScalar();
        var t = MathF.FusedMultiplyAdd(r, r * x, -3.0f);
        return t * (r * -0.5f);
    }

    /// <summary>glibc libmvec's 16-lane expf, lane for lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var shifter = K(Shifter);
        var t = Vector512.FusedMultiplyAdd(x, K(Log2E), shifter);
        var n = t - shifter;
        var scale = Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(ExponentBias), 23).AsSingle();
        var r = Vector512.FusedMultiplyAdd(-K(Ln2Hi), n, x);
        r = Vector512.FusedMultiplyAdd(-n, K(Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(r, K(C5), K(C4));
        p = Vector512.FusedMultiplyAdd(r, p, K(C3));
        p = Vector512.FusedMultiplyAdd(r, p, K(C2));
        p = Vector512.FusedMultiplyAdd(r, p, K(C1));
        p = Vector512.FusedMultiplyAdd(r, p, K(C0));
        var result = scale * p;
        var special = Vector512.GreaterThan(x.AsInt32() & Vector512.Create(int.MaxValue), Vector512.Create(SpecialAbove));
        return special == Vector512<int>.Zero ? result : FixSpecial(x, result, special.AsSingle());
    }

    /// <summary>
    /// glibc libmvec's 8-lane expf: the same algorithm and constants as the 16-lane one, lane for lane, so it runs as the
    /// lower half of a 16-lane call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => Exp(Vector512.Create(x, Vector256<float>.Zero)).GetLower();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> FixSpecial(Vector512<float> x, Vector512<float> result, Vector512<float> special)
    {
        for (var i = 0; i < 16; i++)
        {
            if (special.AsInt32().GetElement(i) != 0)
            {
                result = result.WithElement(i, MathF.Exp(x.GetElement(i)));
            }
        }

        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> K(int bits) => Vector512.Create(bits).AsSingle();

    /// <summary>8 lanes to one: 4 pairs (i, i+4), then (0, 2) and (1, 3), then the two — gcc's shuffle sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold8(Vector256<float> v)
    {
        var s4 = v.GetLower() + v.GetUpper();
        var s2 = s4 + Vector128.Shuffle(s4, Vector128.Create(2, 3, 2, 3));
        return s2.GetElement(1) + s2.ToScalar();
    }
}
