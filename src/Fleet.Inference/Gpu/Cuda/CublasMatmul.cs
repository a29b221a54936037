using Fleet.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Fleet.Inference.Gpu.Cuda;

/// <summary>
/// Batched products through cuBLAS GemmEx: activations are converted to the weights' 16-bit type (GemmEx needs both
/// inputs of one type), accumulated in float32 into float32 outputs. Single rows (batch-1 decode) stay on the ILGPU
/// GEMV kernel, which keeps float32 activations and reads the weights once — the bandwidth-bound path.
/// </summary>
public sealed class CublasMatmul : IMatmulBackend, IDisposable
{
    private readonly GpuDevice _device;
    private readonly CublasHandle _handle;
    private readonly IlgpuMatmul _gemv;
    private MemoryBuffer1D<ushort, Stride1D.Dense>? _scratch;

    private CublasMatmul(GpuDevice device, CublasHandle handle)
    {
        _device = device;
        _handle = handle;
        _gemv = new IlgpuMatmul(device);
    }

    public string Name => $"cublas-gemmex ({_handle.LibraryName}) + ilgpu-gemv for single rows";

    /// <summary>Opens cuBLAS on the device's stream; false with a reason when the library or device is missing.</summary>
    public static bool TryCreate(GpuDevice device, out CublasMatmul? matmul, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(device);
        matmul = null;
        if (device.Accelerator.DefaultStream is not CudaStream stream)
        {
            reason = "not a CUDA device";
            return false;
        }

        if (!CublasHandle.TryCreate(out var handle, out reason) || handle is null)
        {
            return false;
        }

        try
        {
            handle.SetStream(stream.StreamPtr);
            matmul = new CublasMatmul(device, handle);
            return true;
        }
        catch (CublasException ex)
        {
            handle.Dispose();
            reason = ex.Message;
            return false;
        }
    }

    public void Gemv(ArrayView<float> x, ArrayView<ushort> w, ArrayView<float> y, GemvArgs args)
    {
        if (args.Rows == 1)
        {
            _gemv.Gemv(x, w, y, args);
            return;
        }

        var count = (long)args.Rows * args.N;
        if (_scratch is null || _scratch.Length < count)
        {
            _scratch?.Dispose();
            _scratch = _device.Accelerator.Allocate1D<ushort>(count);
        }

        var bits = _scratch.View.SubView(0, count);
        _device.Kernels.ToBits(checked((int)count), x.SubView(0, count), bits, args.WeightType);
        var type = args.WeightType == 0 ? CudaDataType.R16BF : CudaDataType.R16F;

        // Row-major Y[rows, d] = X[rows, n]·Wᵀ, read column-major: Y is d × rows (ldc = d), W is n × d (lda = n, used
        // transposed), X is n × rows (ldb = n). So C = op(A)·B with op = transpose, m = d, n = rows, k = n.
        _handle.GemmEx(CublasOperation.Transpose, CublasOperation.None, args.D, args.Rows, args.N,
            1f, Pointer<ushort>(w), type, args.N, Pointer<ushort>(bits), type, args.N,
            args.Accumulate != 0 ? 1f : 0f, Pointer<float>(y), CudaDataType.R32F, args.D, CublasComputeType.Compute32F);
    }

    public void Dispose()
    {
        _scratch?.Dispose();
        _handle.Dispose();
    }

    /// <summary>Device address of a (sub)view: its buffer's base plus the view's byte offset.</summary>
    private static IntPtr Pointer<T>(ArrayView<T> view)
        where T : unmanaged =>
        ((IArrayView)view).Buffer.NativePtr + (nint)((IContiguousArrayView)view).IndexInBytes;
}
