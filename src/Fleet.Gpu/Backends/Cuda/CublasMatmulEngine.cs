using Fleet.Domain.Catalog;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Native;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>
/// Matrix products through cuBLAS GemmEx on the accelerator's stream. Row-major C = A·B is issued as column-major
/// Cᵀ = Bᵀ·Aᵀ (B first, A second); 16-bit inputs accumulate and store in FP32; TF32 uses the fast-TF32 compute type.
/// </summary>
public sealed class CublasMatmulEngine(CublasHandle handle) : IMatmulEngine
{
    /// <inheritdoc/>
    public string Name => "cublas";

    /// <inheritdoc/>
    public bool Supports(Precision precision) => precision != Precision.Fp8;

    /// <inheritdoc/>
    public void Multiply(Precision precision, DeviceMatrix a, DeviceMatrix b, DeviceMatrix c)
    {
        var n = a.N;
        const CublasOperation none = CublasOperation.None;
        switch (precision)
        {
            case Precision.Fp64:
                handle.GemmEx64(none, none, n, n, n, 1.0, b.NativePtr, CudaDataType.R64F, n, a.NativePtr, CudaDataType.R64F, n, 0.0, c.NativePtr, CudaDataType.R64F, n);
                break;
            case Precision.Fp32:
                handle.GemmEx(none, none, n, n, n, 1f, b.NativePtr, CudaDataType.R32F, n, a.NativePtr, CudaDataType.R32F, n, 0f, c.NativePtr, CudaDataType.R32F, n, CublasComputeType.Compute32F);
                break;
            case Precision.Tf32:
                handle.GemmEx(none, none, n, n, n, 1f, b.NativePtr, CudaDataType.R32F, n, a.NativePtr, CudaDataType.R32F, n, 0f, c.NativePtr, CudaDataType.R32F, n, CublasComputeType.Compute32FFastTF32);
                break;
            case Precision.Fp16:
                handle.GemmEx(none, none, n, n, n, 1f, b.NativePtr, CudaDataType.R16F, n, a.NativePtr, CudaDataType.R16F, n, 0f, c.NativePtr, CudaDataType.R32F, n, CublasComputeType.Compute32F);
                break;
            case Precision.Bf16:
                handle.GemmEx(none, none, n, n, n, 1f, b.NativePtr, CudaDataType.R16BF, n, a.NativePtr, CudaDataType.R16BF, n, 0f, c.NativePtr, CudaDataType.R32F, n, CublasComputeType.Compute32F);
                break;
            default:
                throw new NotSupportedException($"cuBLAS GemmEx has no {precision} path (FP8 needs cublasLt)");
        }
    }
}
