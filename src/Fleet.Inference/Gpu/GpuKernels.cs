using ILGPU;
using ILGPU.Algorithms;

namespace Fleet.Inference.Gpu;

/// <summary>Sizes every kernel needs, passed as one struct (ILGPU kernels take few parameters).</summary>
public struct KernelDims
{
    public int Dim;
    public int HiddenDim;
    public int Heads;
    public int KvHeads;
    public int HeadSize;
    public int KvDim;
    public int SeqLen;
    public int Vocab;
    public float Theta;
    public float Eps;

    /// <summary>0 = BF16 raw bits, 1 = FP16 raw bits.</summary>
    public int WeightType;

    /// <summary>Element offset of the current layer in the KV cache.</summary>
    public long LayerOffset;

    /// <summary>0 = BF16, 1 = FP16 raw bits in the KV cache.</summary>
    public int KvType;

    /// <summary>Rows of the current forward pass (the fused kernels' grid covers rows × outputs).</summary>
    public int Rows;

    /// <summary>Key positions per attention chunk (split-sequence attention), at most <see cref="GpuKernels.MaxAttentionChunk"/>.</summary>
    public int Chunk;

    /// <summary>Attention chunks per (row, head) in this pass.</summary>
    public int Chunks;

    /// <summary>Hidden features per MLP group, a multiple of 8 and at most <see cref="GpuKernels.MaxMlpSlice"/>.</summary>
    public int Slice;
}

/// <summary>Sizes of one batched matrix-vector product.</summary>
public struct GemvArgs
{
    /// <summary>Input features (columns of W).</summary>
    public int N;

    /// <summary>Output features (rows of W).</summary>
    public int D;

    /// <summary>Rows of the batch.</summary>
    public int Rows;

    /// <summary>Non-zero: add into y instead of overwriting (fuses the residual connection).</summary>
    public int Accumulate;

    /// <summary>0 = BF16, 1 = FP16.</summary>
    public int WeightType;

    /// <summary>Non-zero: the input is RMS-normalised (with the norm weights and <see cref="Eps"/>) on the fly.</summary>
    public int NormInput;

    /// <summary>RMSNorm epsilon when <see cref="NormInput"/> is set.</summary>
    public float Eps;

    /// <summary>Non-zero: the result is also written to the mirror output.</summary>
    public int Mirror;
}

/// <summary>
/// ILGPU kernels of the transformer. Weights and the KV cache are 16-bit raw values (BF16 or FP16, converted in-kernel;
/// ILGPU has no BF16 type); activations and norms are float32. Rows of a batch carry their own token, slot and position, so
/// one launch serves B decoding sequences or T prefill positions alike.
/// </summary>
public static partial class GpuKernels
{
    /// <summary>Shared-memory slots per group: the largest group size the reduction kernels accept.</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>16-bit weight to float: BF16 is the top half of a float32; FP16 is rebuilt from its fields.</summary>
    public static float ToFloat(ushort bits, int weightType)
    {
        if (weightType == 0)
        {
            return Interop.IntAsFloat((uint)bits << 16);
        }

        uint sign = (uint)(bits >> 15) << 31;
        int exp = (bits >> 10) & 0x1F;
        uint mant = (uint)(bits & 0x3FF);
        if (exp == 0)
        {
            var v = mant * 5.9604645e-8f;
            return sign != 0 ? -v : v;
        }

        if (exp == 31)
        {
            return Interop.IntAsFloat(sign | 0x7F800000u | (mant << 13));
        }

        return Interop.IntAsFloat(sign | ((uint)(exp + 112) << 23) | (mant << 13));
    }

    /// <summary>x[r, :] = embedding[token[r], :].</summary>
    public static void Embedding(Index1D index, ArrayView<ushort> table, ArrayView<int> tokens, ArrayView<float> x, KernelDims d)
    {
        int r = index / d.Dim;
        int i = index % d.Dim;
        x[index] = ToFloat(table[((long)tokens[r] * d.Dim) + i], d.WeightType);
    }

    /// <summary>One group per row: output = weight · x / sqrt(mean(x²) + eps).</summary>
    public static void RmsNorm(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> output, KernelDims d)
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        int r = Grid.IdxX;
        int t = Group.IdxX;
        long row = (long)r * d.Dim;
        float ss = 0f;
        for (int i = t; i < d.Dim; i += Group.DimX)
        {
            var v = x[row + i];
            ss += v * v;
        }

        shared[t] = ss;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s)
            {
                shared[t] += shared[t + s];
            }

            Group.Barrier();
        }

        float scale = 1f / XMath.Sqrt((shared[0] / d.Dim) + d.Eps);
        for (int i = t; i < d.Dim; i += Group.DimX)
        {
            output[row + i] = weight[i] * (scale * x[row + i]);
        }
    }

    /// <summary>
    /// One group per output feature i: y[r, i] (+)= Σ_j W[i, j] · x[r, j] for every row r. The group reads W's row once
    /// per input row with coalesced loads and reduces in shared memory. 
    /// </summary>
    public static void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args)
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        int i = Grid.IdxX;
        int t = Group.IdxX;
        int n = args.N;
        int dOut = args.D;
        int weightType = args.WeightType;
        long wRow = (long)i * n;
        for (int r = 0; r < args.Rows; r++)
        {
            long xRow = (long)r * n;
            float acc = 0f;
            for (int j = t; j < n; j += Group.DimX)
            {
                acc += ToFloat(w[wRow + j], weightType) * x[xRow + j];
            }

            shared[t] = acc;
            Group.Barrier();
            for (int s = Group.DimX / 2; s > 0; s >>= 1)
            {
                if (t < s)
                {
                    shared[t] += shared[t + s];
                }

                Group.Barrier();
            }

            if (t == 0)
            {
                long o = ((long)r * dOut) + i;
                y[o] = args.Accumulate != 0 ? y[o] + shared[0] : shared[0];
            }

            Group.Barrier();
        }
    }

    /// <summary>Rotates interleaved pairs of q (all heads) and k (kv heads) of each row by its own position.</summary>
    public static void Rope(Index1D index, ArrayView<float> q, ArrayView<float> k, ArrayView<int> positions, KernelDims d)
    {
        int half = d.Dim / 2;
        int r = index / half;
        int i = (index % half) * 2;
        int headDim = i % d.HeadSize;
        float freq = 1f / XMath.Pow(d.Theta, headDim / (float)d.HeadSize);
        float val = positions[r] * freq;
        float fcr = XMath.Cos(val);
        float fci = XMath.Sin(val);
        long qi = ((long)r * d.Dim) + i;
        float q0 = q[qi];
        float q1 = q[qi + 1];
        q[qi] = (q0 * fcr) - (q1 * fci);
        q[qi + 1] = (q0 * fci) + (q1 * fcr);
        if (i < d.KvDim)
        {
            long ki = ((long)r * d.KvDim) + i;
            float k0 = k[ki];
            float k1 = k[ki + 1];
            k[ki] = (k0 * fcr) - (k1 * fci);
            k[ki + 1] = (k0 * fci) + (k1 * fcr);
        }
    }

    /// <summary>Writes each row's k and v as 16-bit values into its slot's cache row at its position (current layer).</summary>
    public static void KvWrite(Index1D index, ArrayView<float> k, ArrayView<float> v, ArrayView<ushort> keyCache, ArrayView<ushort> valueCache, ArrayView<int> slots, ArrayView<int> positions, KernelDims d)
    {
        int r = index / d.KvDim;
        int j = index % d.KvDim;
        long dst = d.LayerOffset + ((((long)slots[r] * d.SeqLen) + positions[r]) * d.KvDim) + j;
        keyCache[dst] = FromFloat(k[index], d.KvType);
        valueCache[dst] = FromFloat(v[index], d.KvType);
    }

    /// <summary>hidden ← silu(hidden) · gate.</summary>
    public static void SwiGlu(Index1D index, ArrayView<float> hidden, ArrayView<float> gate)
    {
        float h = hidden[index];
        hidden[index] = h * (1f / (1f + XMath.Exp(-h))) * gate[index];
    }

    /// <summary>One group per row: index of the first maximum logit.</summary>
    public static void Argmax(ArrayView<float> logits, ArrayView<int> result, int vocab)
    {
        var values = SharedMemory.Allocate<float>(MaxGroupSize);
        var indices = SharedMemory.Allocate<int>(MaxGroupSize);
        int r = Grid.IdxX;
        int t = Group.IdxX;
        long row = (long)r * vocab;
        float best = float.NegativeInfinity;
        int bestIndex = int.MaxValue;
        for (int i = t; i < vocab; i += Group.DimX)
        {
            float v = logits[row + i];
            if (v > best)
            {
                best = v;
                bestIndex = i;
            }
        }

        values[t] = best;
        indices[t] = bestIndex;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s)
            {
                float ov = values[t + s];
                int oi = indices[t + s];
                if (ov > values[t] || (ov == values[t] && oi < indices[t]))
                {
                    values[t] = ov;
                    indices[t] = oi;
                }
            }

            Group.Barrier();
        }

        if (t == 0)
        {
            result[r] = indices[0] == int.MaxValue ? 0 : indices[0];
        }
    }

    /// <summary>Deterministic pseudo-random 16-bit weights in [-scale, scale) (+offset) for presets: no host copy of 16 GB.</summary>
    public static void FillRandom(Index1D index, ArrayView<ushort> w, ulong seed, float scale, float offset, int weightType)
    {
        ulong z = seed + ((ulong)(int)index * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        float u = ((uint)(z >> 40) / 16777216f * 2f) - 1f;
        float v = offset + (u * scale);
        w[index] = FromFloat(v, weightType);
    }

    /// <summary>Float to 16-bit bits with round-to-nearest-even (BF16) or FP16 (normal range, subnormals flushed).</summary>
    public static ushort FromFloat(float value, int weightType)
    {
        uint bits = (uint)Interop.FloatAsInt(value);
        if (weightType == 0)
        {
            uint rounding = 0x7FFFu + ((bits >> 16) & 1u);
            return (ushort)((bits + rounding) >> 16);
        }

        uint sign = (bits >> 16) & 0x8000u;
        int exp = (int)((bits >> 23) & 0xFF) - 127 + 15;
        uint mant = bits & 0x7FFFFFu;
        if (exp <= 0)
        {
            return (ushort)sign;
        }

        if (exp >= 31)
        {
            return (ushort)(sign | 0x7C00u);
        }

        uint half = sign | ((uint)exp << 10) | (mant >> 13);
        uint rest = mant & 0x1FFFu;
        if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) != 0))
        {
            half++;
        }

        return (ushort)half;
    }

    /// <summary>Float activations to 16-bit raw values, for vendor GEMMs whose two inputs must share a type.</summary>
    public static void ToBits(Index1D index, ArrayView<float> x, ArrayView<ushort> bits, int weightType) =>
        bits[index] = FromFloat(x[index], weightType);

    /// <summary>Device-to-device copy for the bandwidth probe.</summary>
    public static void Copy(Index1D index, ArrayView<float> source, ArrayView<float> destination) => destination[index] = source[index];
}
