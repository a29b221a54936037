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

    void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args);
}

/// <summary>The ILGPU kernel backend: one group per output feature, coalesced reads of W's row.</summary>
public sealed class IlgpuMatmul(GpuDevice device) : IMatmulBackend
{
    public string Name => "ilgpu-gemv";

    public void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args) =>
        device.Kernels.Gemv(new KernelConfig(args.D, device.GroupSize), x, w, y, args);
}
