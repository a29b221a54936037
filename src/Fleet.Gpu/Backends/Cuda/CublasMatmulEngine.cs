using Fleet.Domain.Catalog;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Native;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>
/// Matrix products through cuBLAS GemmEx on the accelerator's stream. Row-major C = A·B is issued as column-major
/// Cᵀ = Bᵀ·Aᵀ (B first, A second); 16-bit inputs accumulate and store in FP32; TF32 uses the fast-TF32 compute type.
/// FP8 (E4M3) goes through cublasLt when it loaded: its FP8 kernels take only "TN", so the first operand is the stored
/// transposed copy of B (read transposed, giving Bᵀ) and the second is A; D is FP32, with a cublasLt workspace of
/// <paramref name="workspaceBytes"/> at <paramref name="workspace"/> when given.
/// </summary>
public sealed class CublasMatmulEngine(CublasHandle handle, CublasLtHandle? lt = null, IntPtr stream = default, IntPtr workspace = default, long workspaceBytes = 0) : IMatmulEngine
{
    /// <inheritdoc/>
    public string Name => "cublas";

    /// <inheritdoc/>
    public bool Supports(Precision precision) => precision != Precision.Fp8 || lt is not null;

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
            case Precision.Fp8 when lt is not null:
                lt.Matmul(CublasOperation.Transpose, none, n, n, n, 1f, b.Raw8Transposed!.NativePtr, CudaDataType.R8F_E4M3, n,
                    a.NativePtr, CudaDataType.R8F_E4M3, n, c.NativePtr, CudaDataType.R32F, n, stream, workspace, workspaceBytes);
                break;
            default:
                throw new NotSupportedException($"cuBLAS has no {precision} path here (FP8 needs libcublasLt)");
        }
    }
}
