using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Gpu;

/// <summary>
/// The batched matrix products y[rows, d] (+)= x[rows, n] · Wᵀ with 16-bit weights W[d, n]. The ILGPU kernel runs
/// everywhere (and is what the CPU accelerator tests); a cuBLAS GemmEx backend plugs in here on CUDA.
/// </summary>
public interface IMatmulBackend
{
    string Name { get; }

    /// <summary>
    /// Most rows a forward pass runs through the engine's fused ILGPU kernels; larger passes use this backend's
    /// products with separate norm, RoPE and SwiGLU kernels.
    /// </summary>
    int FusedRowLimit => int.MaxValue;

    void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args);
}

/// <summary>
/// Prefill attention of T consecutive query rows of one sequence through batched matrix products (Q·Kᵀ, a causal
/// softmax, P·V), for backends with a vendor GEMM; the engine's split-sequence kernel serves everywhere else.
/// </summary>
public interface IPrefillAttention
{
    /// <param name="q">Query rows [T, Dim], float32, RoPE applied.</param>
    /// <param name="keys">The sequence's key cache rows [P, KvDim], 16-bit.</param>
    /// <param name="values">The sequence's value cache rows [P, KvDim], 16-bit.</param>
    /// <param name="output">Attention output rows [T, Dim], float32.</param>
    void Prefill(ArrayView<float> q, ArrayView<ushort> keys, ArrayView<ushort> values, ArrayView<float> output, KernelDims dims, PrefillArgs args);
}

/// <summary>The ILGPU kernel backend: a warp per output feature reading 16-byte vectors of W's row.</summary>
public sealed class IlgpuMatmul(GpuDevice device) : IMatmulBackend
{
    public string Name => "ilgpu-gemv";

    public void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args)
    {
        if (args.N % 8 != 0 || x.Length % 4 != 0)
        {
            device.Kernels.Gemv(new KernelConfig(args.D, device.GroupSize), x, w, y, args);
            return;
        }

        var x4 = x.Cast<Float4>();
        args.NormInput = 0;
        args.Mirror = 0;
        device.Kernels.GemvWarp(device.WarpGroups((long)args.Rows * args.D), x4, x4, w.Cast<Vec8>(), y, y, args);
    }
}
