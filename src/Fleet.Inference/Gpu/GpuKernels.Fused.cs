using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace Fleet.Inference.Gpu;

/// <summary>Eight 16-bit weights (BF16 or FP16 raw bits, two per word, low half first): one 16-byte load.</summary>
public struct Vec8
{
    public uint A;
    public uint B;
    public uint C;
    public uint D;
}

/// <summary>Four floats: one 16-byte load of activations or norm weights.</summary>
public struct Float4
{
    public float X;
    public float Y;
    public float Z;
    public float W;
}

/// <summary>
/// The decode kernels: a warp per output row reading 16-byte vectors with a shuffle reduction, RMSNorm fused into the
/// products' input (each warp sums x² in the same loop that reads x), RoPE and the 16-bit KV write in the QKV
/// product's epilogue, split-sequence attention whose last chunk combines, and the whole MLP in one launch. Four
/// launches per layer; they need Dim and HiddenDim to be multiples of 8 (16-byte rows).
/// </summary>
public static partial class GpuKernels
{
    /// <summary>Most key positions one attention chunk (one group) scores.</summary>
    public const int MaxAttentionChunk = 256;

    /// <summary>Most hidden features one MLP group owns.</summary>
    public const int MaxMlpSlice = 64;

    /// <summary>One warp per (row r, output i): y[r, i] (+)= W[i, :]·x'[r, :], x' = x or RMSNorm(x)·g; optionally mirrored.</summary>
    public static void GemvWarp(ArrayView<Float4> x, ArrayView<Float4> norm, ArrayView<Vec8> w, ArrayView<float> y, ArrayView<float> mirror, GemvArgs args)
    {
        int id = WarpId();
        if (id >= args.Rows * args.D)
        {
            return;
        }

        int r = id / args.D;
        int i = id % args.D;
        int n8 = args.N / 8;
        long xBase = (long)r * (args.N / 4);
        long wBase = (long)i * n8;
        float acc = 0f;
        float ss = 0f;
        for (int j = Warp.LaneIdx; j < n8; j += Warp.WarpSize)
        {
            Float4 a = x[xBase + (2 * j)];
            Float4 b = x[xBase + (2 * j) + 1];
            if (args.NormInput != 0)
            {
                ss += Squares(a) + Squares(b);
                a = Mul(a, norm[2 * j]);
                b = Mul(b, norm[(2 * j) + 1]);
            }

            acc += Dot8(w[wBase + j], a, b, args.WeightType);
        }

        acc = WarpSum(acc);
        ss = WarpSum(ss);
        if (args.NormInput != 0)
        {
            acc *= 1f / XMath.Sqrt((ss / args.N) + args.Eps);
        }

        if (Warp.LaneIdx == 0)
        {
            long o = ((long)r * args.D) + i;
            float v = args.Accumulate != 0 ? y[o] + acc : acc;
            y[o] = v;
            if (args.Mirror != 0)
            {
                mirror[o] = v;
            }
        }
    }

    /// <summary>
    /// One warp per (row, pair of outputs) of [Wq; Wk; Wv]·RMSNorm(x): q pairs are rotated and stored, k pairs rotated
    /// and written as 16-bit values into the row's cache slot at its position, v pairs written there unrotated.
    /// </summary>
    public static void QkvRope(ArrayView<Float4> x, ArrayView<Float4> norm, ArrayView<Vec8> wq, ArrayView<Vec8> wk, ArrayView<Vec8> wv, ArrayView<float> q, ArrayView<ushort> keyCache, ArrayView<ushort> valueCache, ArrayView<int> slots, ArrayView<int> positions, KernelDims d)
    {
        int pairs = (d.Dim + (2 * d.KvDim)) / 2;
        int id = WarpId();
        if (id >= d.Rows * pairs)
        {
            return;
        }

        int r = id / pairs;
        int o = (id % pairs) * 2;
        int part = o < d.Dim ? 0 : (o < d.Dim + d.KvDim ? 1 : 2);
        int local = part == 0 ? o : (part == 1 ? o - d.Dim : o - d.Dim - d.KvDim);
        var w = part == 0 ? wq : (part == 1 ? wk : wv);
        int n8 = d.Dim / 8;
        long xBase = (long)r * (d.Dim / 4);
        long w0 = (long)local * n8;
        float acc0 = 0f;
        float acc1 = 0f;
        float ss = 0f;
        for (int j = Warp.LaneIdx; j < n8; j += Warp.WarpSize)
        {
            Float4 a = x[xBase + (2 * j)];
            Float4 b = x[xBase + (2 * j) + 1];
            ss += Squares(a) + Squares(b);
            a = Mul(a, norm[2 * j]);
            b = Mul(b, norm[(2 * j) + 1]);
            acc0 += Dot8(w[w0 + j], a, b, d.WeightType);
            acc1 += Dot8(w[w0 + n8 + j], a, b, d.WeightType);
        }

        acc0 = WarpSum(acc0);
        acc1 = WarpSum(acc1);
        ss = WarpSum(ss);
        if (Warp.LaneIdx != 0)
        {
            return;
        }

        float scale = 1f / XMath.Sqrt((ss / d.Dim) + d.Eps);
        float y0 = acc0 * scale;
        float y1 = acc1 * scale;
        int pos = positions[r];
        if (part < 2)
        {
            int headDim = local % d.HeadSize;
            float freq = 1f / XMath.Pow(d.Theta, headDim / (float)d.HeadSize);
            float val = pos * freq;
            float fcr = XMath.Cos(val);
            float fci = XMath.Sin(val);
            float r0 = (y0 * fcr) - (y1 * fci);
            y1 = (y0 * fci) + (y1 * fcr);
            y0 = r0;
        }

        if (part == 0)
        {
            long qi = ((long)r * d.Dim) + local;
            q[qi] = y0;
            q[qi + 1] = y1;
            return;
        }

        long dst = d.LayerOffset + ((((long)slots[r] * d.SeqLen) + pos) * d.KvDim) + local;
        var cache = part == 1 ? keyCache : valueCache;
        cache[dst] = FromFloat(y0, d.KvType);
        cache[dst + 1] = FromFloat(y1, d.KvType);
    }

    /// <summary>
    /// Flash-decoding: one group per (row, head, chunk of <see cref="KernelDims.Chunk"/> positions) scores its chunk of
    /// the row's 16-bit cache (a warp per key, lanes over the head's contiguous elements), keeps the chunk's max, sum and
    /// unnormalised output; the last group of a (row, head) to finish combines every chunk into
    /// <paramref name="output"/> and resets its counter, so no second launch is needed.
    /// </summary>
    public static void AttentionSplit(ArrayView<float> q, ArrayView<uint> keyPairs, ArrayView<ushort> valueCache, ArrayView<float> partial, ArrayView<float> stats, ArrayView<int> counters, ArrayView<float> output, ArrayView<int> slots, ArrayView<int> positions, KernelDims d)
    {
        var scores = SharedMemory.Allocate<float>(MaxAttentionChunk);
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        var last = SharedMemory.Allocate<int>(1);
        int g = Grid.IdxX;
        int c = g % d.Chunks;
        int rh = g / d.Chunks;
        int h = rh % d.Heads;
        int r = rh / d.Heads;
        int t0 = Group.IdxX;
        int pos = positions[r];
        int start = c * d.Chunk;
        int count = XMath.Min(d.Chunk, pos + 1 - start);
        int kvHead = h / (d.Heads / d.KvHeads);
        long qRow = ((long)r * d.Dim) + ((long)h * d.HeadSize);
        long cacheBase = d.LayerOffset + ((long)slots[r] * d.SeqLen * d.KvDim) + ((long)kvHead * d.HeadSize);
        float root = XMath.Sqrt((float)d.HeadSize);
        int warps = Group.DimX / Warp.WarpSize;
        int halfHead = d.HeadSize / 2;
        // Every warp of the group runs the same number of steps (and shuffles); a warp past the chunk's end idles.
        for (int p0 = 0; p0 < count; p0 += warps)
        {
            int p = p0 + Warp.WarpIdx;
            float s = 0f;
            if (p < count)
            {
                long kPair = (cacheBase + ((long)(start + p) * d.KvDim)) / 2;
                for (int e = Warp.LaneIdx; e < halfHead; e += Warp.WarpSize)
                {
                    uint k2 = keyPairs[kPair + e];
                    s += (q[qRow + (2 * e)] * ToFloat((ushort)(k2 & 0xFFFFu), d.KvType)) + (q[qRow + (2 * e) + 1] * ToFloat((ushort)(k2 >> 16), d.KvType));
                }
            }

            s = WarpSum(s);
            if (Warp.LaneIdx == 0 && p < count)
            {
                scores[p] = s / root;
            }
        }

        Group.Barrier();
        float localMax = float.NegativeInfinity;
        for (int p = t0; p < count; p += Group.DimX)
        {
            localMax = XMath.Max(localMax, scores[p]);
        }

        float max = GroupReduce(shared, localMax, true);
        float localSum = 0f;
        for (int p = t0; p < count; p += Group.DimX)
        {
            float e = XMath.Exp(scores[p] - max);
            scores[p] = e;
            localSum += e;
        }

        float sum = GroupReduce(shared, localSum, false);
        long part = ((long)rh * d.Chunks) + c;
        for (int e = t0; e < d.HeadSize; e += Group.DimX)
        {
            float acc = 0f;
            for (int p = 0; p < count; p++)
            {
                acc += scores[p] * ToFloat(valueCache[cacheBase + ((long)(start + p) * d.KvDim) + e], d.KvType);
            }

            partial[(part * d.HeadSize) + e] = acc;
        }

        if (t0 == 0)
        {
            stats[2 * part] = max;
            stats[(2 * part) + 1] = count > 0 ? sum : 0f;
        }

        MemoryFence.DeviceLevel();
        Group.Barrier();
        if (t0 == 0)
        {
            last[0] = Atomic.Add(ref counters[rh], 1) == d.Chunks - 1 ? 1 : 0;
        }

        Group.Barrier();
        if (last[0] == 0)
        {
            return;
        }

        MemoryFence.DeviceLevel();
        long first = (long)rh * d.Chunks;
        float m = float.NegativeInfinity;
        for (int k = 0; k < d.Chunks; k++)
        {
            if (stats[(2 * (first + k)) + 1] > 0f)
            {
                m = XMath.Max(m, stats[2 * (first + k)]);
            }
        }

        float total = 0f;
        for (int k = 0; k < d.Chunks; k++)
        {
            float l = stats[(2 * (first + k)) + 1];
            total += l > 0f ? XMath.Exp(stats[2 * (first + k)] - m) * l : 0f;
        }

        for (int e = t0; e < d.HeadSize; e += Group.DimX)
        {
            float acc = 0f;
            for (int k = 0; k < d.Chunks; k++)
            {
                if (stats[(2 * (first + k)) + 1] > 0f)
                {
                    acc += XMath.Exp(stats[2 * (first + k)] - m) * partial[((first + k) * d.HeadSize) + e];
                }
            }

            output[qRow + e] = acc / total;
        }

        if (t0 == 0)
        {
            counters[rh] = 0;
        }
    }

    /// <summary>
    /// The MLP in one launch: one group per (row, slice of <see cref="KernelDims.Slice"/> hidden features) computes
    /// silu(W1·x')·(W3·x') for its features (x' = RMSNorm(x)·g, a warp per feature), then adds W2[:, slice]·that into
    /// <paramref name="residual"/> with atomics (split-K over the hidden dimension). <paramref name="x"/> must not
    /// alias <paramref name="residual"/>.
    /// </summary>
    public static void Mlp(ArrayView<Float4> x, ArrayView<Float4> norm, ArrayView<Vec8> w1, ArrayView<Vec8> w3, ArrayView<Vec8> w2, ArrayView<float> residual, KernelDims d)
    {
        var hidden = SharedMemory.Allocate<float>(MaxMlpSlice);
        int slices = (d.HiddenDim + d.Slice - 1) / d.Slice;
        int r = Grid.IdxX / slices;
        int s = Grid.IdxX % slices;
        int first = s * d.Slice;
        int warps = Group.DimX / Warp.WarpSize;
        int lane = Warp.LaneIdx;
        int n8 = d.Dim / 8;
        long xBase = (long)r * (d.Dim / 4);
        for (int f = Warp.WarpIdx; f < d.Slice; f += warps)
        {
            int feature = first + f;
            if (feature >= d.HiddenDim)
            {
                if (lane == 0)
                {
                    hidden[f] = 0f;
                }

                continue;
            }

            long wRow = (long)feature * n8;
            float acc1 = 0f;
            float acc3 = 0f;
            float ss = 0f;
            for (int j = lane; j < n8; j += Warp.WarpSize)
            {
                Float4 a = x[xBase + (2 * j)];
                Float4 b = x[xBase + (2 * j) + 1];
                ss += Squares(a) + Squares(b);
                a = Mul(a, norm[2 * j]);
                b = Mul(b, norm[(2 * j) + 1]);
                acc1 += Dot8(w1[wRow + j], a, b, d.WeightType);
                acc3 += Dot8(w3[wRow + j], a, b, d.WeightType);
            }

            acc1 = WarpSum(acc1);
            acc3 = WarpSum(acc3);
            ss = WarpSum(ss);
            if (lane == 0)
            {
                float scale = 1f / XMath.Sqrt((ss / d.Dim) + d.Eps);
                float h1 = acc1 * scale;
                hidden[f] = h1 * (1f / (1f + XMath.Exp(-h1))) * (acc3 * scale);
            }
        }

        Group.Barrier();

        // Down projection of the slice: `segment` lanes per output row, one 16-byte vector of W2 each per step.
        int vectors = d.Slice / 8;
        int segment = XMath.Min(vectors, Warp.WarpSize);
        int rowsPerWarp = Warp.WarpSize / segment;
        int sub = lane / segment;
        int li = lane % segment;
        int hidden8 = d.HiddenDim / 8;
        int first8 = first / 8;
        for (int block0 = 0; block0 < d.Dim; block0 += warps * rowsPerWarp)
        {
            int i = block0 + (Warp.WarpIdx * rowsPerWarp) + sub;
            float acc = 0f;
            if (i < d.Dim)
            {
                for (int v = li; v < vectors && first8 + v < hidden8; v += segment)
                {
                    int h0 = v * 8;
                    var a = new Float4 { X = hidden[h0], Y = hidden[h0 + 1], Z = hidden[h0 + 2], W = hidden[h0 + 3] };
                    var b = new Float4 { X = hidden[h0 + 4], Y = hidden[h0 + 5], Z = hidden[h0 + 6], W = hidden[h0 + 7] };
                    acc += Dot8(w2[((long)i * hidden8) + first8 + v], a, b, d.WeightType);
                }
            }

            for (int o = segment / 2; o > 0; o >>= 1)
            {
                acc += Warp.ShuffleXor(acc, o);
            }

            if (li == 0 && i < d.Dim)
            {
                Atomic.Add(ref residual[((long)r * d.Dim) + i], acc);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WarpId() => (Grid.IdxX * (Group.DimX / Warp.WarpSize)) + Warp.WarpIdx;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float WarpSum(float value)
    {
        for (int o = Warp.WarpSize / 2; o > 0; o >>= 1)
        {
            value += Warp.ShuffleXor(value, o);
        }

        return value;
    }

    /// <summary>Max or sum over the group through shared memory (power-of-two group size); every thread gets the result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float GroupReduce(ArrayView<float> shared, float value, bool max)
    {
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s)
            {
                shared[t] = max ? XMath.Max(shared[t], shared[t + s]) : shared[t] + shared[t + s];
            }

            Group.Barrier();
        }

        float result = shared[0];
        Group.Barrier();
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Low(uint v, int weightType) =>
        weightType == 0 ? Interop.IntAsFloat(v << 16) : ToFloat((ushort)(v & 0xFFFFu), 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float High(uint v, int weightType) =>
        weightType == 0 ? Interop.IntAsFloat(v & 0xFFFF0000u) : ToFloat((ushort)(v >> 16), 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot8(Vec8 w, Float4 a, Float4 b, int weightType) =>
        (Low(w.A, weightType) * a.X) + (High(w.A, weightType) * a.Y) + (Low(w.B, weightType) * a.Z) + (High(w.B, weightType) * a.W)
        + (Low(w.C, weightType) * b.X) + (High(w.C, weightType) * b.Y) + (Low(w.D, weightType) * b.Z) + (High(w.D, weightType) * b.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Squares(Float4 a) => (a.X * a.X) + (a.Y * a.Y) + (a.Z * a.Z) + (a.W * a.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 Mul(Float4 a, Float4 b) => new() { X = a.X * b.X, Y = a.Y * b.Y, Z = a.Z * b.Z, W = a.W * b.W };
}
