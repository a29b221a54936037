using Fleet.Domain.Catalog;

namespace Fleet.Gpu.Matmul;

/// <summary>Computes row-major C = A·B on a device; each backend supplies one (cuBLAS on CUDA, ILGPU kernels elsewhere).</summary>
public interface IMatmulEngine
{
    /// <summary>A short name for results, e.g. "cublas" or "ilgpu-tiled".</summary>
    string Name { get; }

    /// <summary>True where this engine can multiply in <paramref name="precision"/>.</summary>
    bool Supports(Precision precision);

    /// <summary>Enqueues C = A·B on the accelerator's default stream; the caller synchronises.</summary>
    void Multiply(Precision precision, DeviceMatrix a, DeviceMatrix b, DeviceMatrix c);
}
