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
public sealed class CublasMatmul : IMatmulBackend, IPrefillAttention, IDisposable
{
    private readonly GpuDevice _device;
    private readonly CublasHandle _handle;
    private readonly IlgpuMatmul _gemv;
    private MemoryBuffer1D<ushort, Stride1D.Dense>? _scratch;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scores;
    private MemoryBuffer1D<ushort, Stride1D.Dense>? _probabilities;

    private CublasMatmul(GpuDevice device, CublasHandle handle)
    {
        _device = device;
        _handle = handle;
        _gemv = new IlgpuMatmul(device);
    }

    public string Name => $"cublas-gemmex ({_handle.LibraryName}) + ilgpu-gemv for single rows";

    /// <summary>Decode batches up to 4 rows stay on the fused ILGPU kernels (bandwidth-bound); larger ones use GemmEx.</summary>
    public int FusedRowLimit => 4;

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
        _scratch = Grow(_scratch, count);

        var bits = _scratch.View.SubView(0, count);
        _device.Kernels.ToBits(checked((int)count), x.SubView(0, count), bits, args.WeightType);
        var type = args.WeightType == 0 ? CudaDataType.R16BF : CudaDataType.R16F;

        // Row-major Y[rows, d] = X[rows, n]·Wᵀ, read column-major: Y is d × rows (ldc = d), W is n × d (lda = n, used
        // transposed), X is n × rows (ldb = n). So C = op(A)·B with op = transpose, m = d, n = rows, k = n.
        _handle.GemmEx(CublasOperation.Transpose, CublasOperation.None, args.D, args.Rows, args.N,
            1f, Pointer<ushort>(w), type, args.N, Pointer<ushort>(bits), type, args.N,
            args.Accumulate != 0 ? 1f : 0f, Pointer<float>(y), CudaDataType.R32F, args.D, CublasComputeType.Compute32F);
    }

    /// <summary>
    /// Q·Kᵀ and P·V as strided-batched GEMMs over the kv heads, once per query head of a GQA group (query head
    /// h = g·G + j reads kv head g), with a causal softmax kernel between; scores [head][t][p] in float32.
    /// </summary>
    public void Prefill(ArrayView<float> q, ArrayView<ushort> keys, ArrayView<ushort> values, ArrayView<float> output, KernelDims dims, PrefillArgs args)
    {
        var group = dims.Heads / dims.KvHeads;
        var hs = dims.HeadSize;
        var qCount = (long)args.T * dims.Dim;
        var scoreCount = (long)dims.Heads * args.T * args.P;
        _scratch = Grow(_scratch, qCount);
        _scores = Grow(_scores, scoreCount);
        _probabilities = Grow(_probabilities, scoreCount);
        var qBits = _scratch.View.SubView(0, qCount);
        _device.Kernels.ToBits(checked((int)qCount), q.SubView(0, qCount), qBits, args.WeightType);
        var type = args.WeightType == 0 ? CudaDataType.R16BF : CudaDataType.R16F;
        var tp = (long)args.T * args.P;
        for (var j = 0; j < group; j++)
        {
            // Sᵀ (P × T, ldc = P) = op(K)·Q: K read as hs × P (ld = KvDim) transposed, Q as hs × T (ld = Dim).
            _handle.GemmStridedBatchedEx(CublasOperation.Transpose, CublasOperation.None, args.P, args.T, hs,
                1f, Pointer(keys), type, dims.KvDim, hs, Pointer<ushort>(qBits) + (j * hs * sizeof(ushort)), type, dims.Dim, (long)group * hs,
                0f, Pointer<float>(_scores.View) + (nint)(j * tp * sizeof(float)), CudaDataType.R32F, args.P, group * tp, dims.KvHeads, CublasComputeType.Compute32F);
        }

        _device.Kernels.CausalSoftmax(new KernelConfig(dims.Heads * args.T, _device.GroupSize), _scores.View, _probabilities.View, args);
        for (var j = 0; j < group; j++)
        {
            // Oᵀ (hs × T, ldc = Dim) = V (hs × P, ld = KvDim) · Pᵀ (P × T, ld = P).
            _handle.GemmStridedBatchedEx(CublasOperation.None, CublasOperation.None, hs, args.T, args.P,
                1f, Pointer(values), type, dims.KvDim, hs, Pointer<ushort>(_probabilities.View) + (nint)(j * tp * sizeof(ushort)), type, args.P, group * tp,
                0f, Pointer(output) + (j * hs * sizeof(float)), CudaDataType.R32F, dims.Dim, (long)group * hs, dims.KvHeads, CublasComputeType.Compute32F);
        }
    }

    public void Dispose()
    {
        _scores?.Dispose();
        _probabilities?.Dispose();
        _scratch?.Dispose();
        _handle.Dispose();
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Grow<T>(MemoryBuffer1D<T, Stride1D.Dense>? buffer, long count)
        where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= count)
        {
            return buffer;
        }

        buffer?.Dispose();
        return _device.Accelerator.Allocate1D<T>(count);
    }

    /// <summary>Device address of a (sub)view: its buffer's base plus the view's byte offset.</summary>
    private static IntPtr Pointer<T>(ArrayView<T> view)
        where T : unmanaged =>
        ((IArrayView)view).Buffer.NativePtr + (nint)((IContiguousArrayView)view).IndexInBytes;
}
