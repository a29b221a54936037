using ILGPU;
using ILGPU.Algorithms;

namespace Fleet.Inference.Gpu;

/// <summary>Sizes of one prefill attention pass through batched matrix products: T query rows of one slot.</summary>
public struct PrefillArgs
{
    /// <summary>Query rows (consecutive positions from <see cref="StartPos"/>).</summary>
    public int T;

    /// <summary>Key positions scored: StartPos + T.</summary>
    public int P;

    /// <summary>Position of the first query row.</summary>
    public int StartPos;

    public int HeadSize;

    /// <summary>0 = BF16, 1 = FP16 probabilities (the type of the KV cache they multiply).</summary>
    public int WeightType;
}

public static partial class GpuKernels
{
    /// <summary>
    /// One group per (head, query row t) of scores laid out [head][t][p]: causal softmax of q·k/sqrt(headSize) over
    /// p ≤ StartPos + t, written as 16-bit probabilities (zero past the diagonal) for the P·V product.
    /// </summary>
    public static void CausalSoftmax(ArrayView<float> scores, ArrayView<ushort> probabilities, PrefillArgs a)
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        long row = (long)Grid.IdxX * a.P;
        int t = Grid.IdxX % a.T;
        int last = a.StartPos + t;
        int t0 = Group.IdxX;
        float scale = 1f / XMath.Sqrt((float)a.HeadSize);
        float localMax = float.NegativeInfinity;
        for (int p = t0; p <= last; p += Group.DimX)
        {
            localMax = XMath.Max(localMax, scores[row + p] * scale);
        }

        float max = GroupReduce(shared, localMax, true);
        float localSum = 0f;
        for (int p = t0; p <= last; p += Group.DimX)
        {
            localSum += XMath.Exp((scores[row + p] * scale) - max);
        }

        float sum = GroupReduce(shared, localSum, false);
        for (int p = t0; p < a.P; p += Group.DimX)
        {
            probabilities[row + p] = p <= last ? FromFloat(XMath.Exp((scores[row + p] * scale) - max) / sum, a.WeightType) : (ushort)0;
        }
    }
}
