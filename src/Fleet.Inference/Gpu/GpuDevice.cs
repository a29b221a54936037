using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Fleet.Inference.Gpu;

/// <summary>An ILGPU context and accelerator: a CUDA GPU in production, ILGPU's CPU accelerator in tests.</summary>
public sealed class GpuDevice : IDisposable
{
    private GpuDevice(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
        Kernels = new GpuKernelSet(accelerator);
        var limit = Math.Min(256, Math.Min(accelerator.MaxNumThreadsPerGroup, GpuKernels.MaxGroupSize));
        GroupSize = 1;
        while (GroupSize * 2 <= limit)
        {
            GroupSize *= 2;
        }
    }

    /// <summary>Threads per group of the reduction kernels: a power of two within the device's limit.</summary>
    public int GroupSize { get; }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    internal GpuKernelSet Kernels { get; }

    /// <summary>Kernel launches issued on this device by Fleet's kernels so far (for launch-count tests and profiles).</summary>
    public long KernelLaunches => Kernels.Launches;

    /// <summary>
    /// Key positions per split-sequence attention chunk: enough chunks per head to fill a GPU at batch 1 (tiny on
    /// ILGPU's CPU accelerator, so test models with 24 positions still split into several chunks).
    /// </summary>
    public int AttentionChunk => IsCpu ? 4 : 128;

    /// <summary>
    /// Hidden features per MLP group (split-K of the down projection): 128-byte W2 segments on a GPU; 32 on the CPU
    /// accelerator, so test models have several slices and a partial last one.
    /// </summary>
    public int MlpSlice => IsCpu ? 32 : GpuKernels.MaxMlpSlice;

    /// <summary>The device as the driver names it.</summary>
    public string Name => Accelerator.Name;

    public long MemoryBytes => Accelerator.MemorySize;

    public bool IsCpu => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>ILGPU's CPU accelerator (simulated warps; slow, for tests on small models).</summary>
    public static GpuDevice CreateCpuAccelerator()
    {
        var context = Context.Create(b => b.CPU().EnableAlgorithms());
        try
        {
            return new GpuDevice(context, context.CreateCPUAccelerator(0));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The CUDA device <paramref name="index"/>; a clear error when there is none.</summary>
    public static GpuDevice CreateCuda(int index = 0)
    {
        Context? context = null;
        try
        {
            Fleet.Gpu.Backends.Cuda.CudaDriver.EnsureResolver();
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count <= index)
            {
                throw new InvalidOperationException(devices.Count == 0
                    ? "No CUDA device found (is the NVIDIA driver installed and a GPU visible?)."
                    : $"CUDA device {index} requested but only {devices.Count} present.");
            }

            return new GpuDevice(context, context.CreateCudaAccelerator(index));
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            context?.Dispose();
            throw new InvalidOperationException($"Could not open a CUDA device through ILGPU: {ex.Message}", ex);
        }
        catch
        {
            context?.Dispose();
            throw;
        }
    }

    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>Launch shape giving one warp to each of <paramref name="warps"/> work items.</summary>
    public KernelConfig WarpGroups(long warps)
    {
        var perGroup = Math.Max(1, GroupSize / Accelerator.WarpSize);
        return new KernelConfig(checked((int)((warps + perGroup - 1) / perGroup)), GroupSize);
    }

    /// <summary>
    /// The matrix-product backend for this device: cuBLAS GemmEx for batched rows on CUDA when libcublas loads
    /// (the ILGPU GEMV kernel for single rows), else the ILGPU kernel everywhere.
    /// </summary>
    public IMatmulBackend Matmul => _matmul ??= CreateMatmul();

    /// <summary>Why cuBLAS is not in use, when it is not (null on the CPU accelerator).</summary>
    public string? MatmulNote { get; private set; }

    private IMatmulBackend? _matmul;

    private IMatmulBackend CreateMatmul()
    {
        if (IsCpu)
        {
            return new IlgpuMatmul(this);
        }

        if (Cuda.CublasMatmul.TryCreate(this, out var cublas, out var reason))
        {
            return cublas!;
        }

        MatmulNote = $"cuBLAS unavailable ({reason}); using the ILGPU kernel";
        return new IlgpuMatmul(this);
    }

    public void Dispose()
    {
        (_matmul as IDisposable)?.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>The transformer's kernels compiled once for one accelerator; every launch through it is counted.</summary>
internal sealed class GpuKernelSet
{
    private long _launches;

    public GpuKernelSet(Accelerator a)
    {
        Embedding = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<int>, ArrayView<float>, KernelDims>(GpuKernels.Embedding));
        RmsNorm = Counted(a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, KernelDims>(GpuKernels.RmsNorm));
        Gemv = Counted(a.LoadStreamKernel<ArrayView<float>, ArrayView<ushort>, ArrayView<float>, GemvArgs>(GpuKernels.Gemv));
        GemvWarp = Counted(a.LoadStreamKernel<ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<float>, ArrayView<float>, GemvArgs>(GpuKernels.GemvWarp));
        QkvRope = Counted(a.LoadStreamKernel<ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, KernelDims>(GpuKernels.QkvRope));
        AttentionSplit = Counted(a.LoadStreamKernel<ArrayView<float>, ArrayView<uint>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims>(GpuKernels.AttentionSplit));
        Mlp = Counted(a.LoadStreamKernel<ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<float>, KernelDims>(GpuKernels.Mlp));
        Rope = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, KernelDims>(GpuKernels.Rope));
        KvWrite = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, KernelDims>(GpuKernels.KvWrite));
        SwiGlu = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(GpuKernels.SwiGlu));
        Argmax = Counted(a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(GpuKernels.Argmax));
        FillRandom = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ulong, float, float, int>(GpuKernels.FillRandom));
        Copy = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(GpuKernels.Copy));
        Gather = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(GatherRows));
        ToBits = Counted(a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, int>(GpuKernels.ToBits));
        CausalSoftmax = Counted(a.LoadStreamKernel<ArrayView<float>, ArrayView<ushort>, PrefillArgs>(GpuKernels.CausalSoftmax));
    }

    /// <summary>Kernel launches issued through this set so far (vendor-library calls are not included).</summary>
    public long Launches => Interlocked.Read(ref _launches);

    public Action<Index1D, ArrayView<float>, ArrayView<ushort>, int> ToBits { get; }

    public Action<Index1D, ArrayView<ushort>, ArrayView<int>, ArrayView<float>, KernelDims> Embedding { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, KernelDims> RmsNorm { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, GemvArgs> Gemv { get; }

    public Action<KernelConfig, ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<float>, ArrayView<float>, GemvArgs> GemvWarp { get; }

    public Action<KernelConfig, ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, KernelDims> QkvRope { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<uint>, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims> AttentionSplit { get; }

    public Action<KernelConfig, ArrayView<Float4>, ArrayView<Float4>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<Vec8>, ArrayView<float>, KernelDims> Mlp { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, KernelDims> Rope { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>, ArrayView<int>, ArrayView<int>, KernelDims> KvWrite { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>> SwiGlu { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<int>, int> Argmax { get; }

    public Action<Index1D, ArrayView<ushort>, ulong, float, float, int> FillRandom { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>> Copy { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> Gather { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<ushort>, PrefillArgs> CausalSoftmax { get; }

    private static void GatherRows(Index1D index, ArrayView<float> x, ArrayView<int> rows, ArrayView<float> output, int dim)
    {
        int j = index / dim;
        int i = index % dim;
        output[index] = x[((long)rows[j] * dim) + i];
    }

    private void Count() => Interlocked.Increment(ref _launches);

    private Action<T1, T2, T3> Counted<T1, T2, T3>(Action<T1, T2, T3> k) => (a1, a2, a3) => { Count(); k(a1, a2, a3); };

    private Action<T1, T2, T3, T4> Counted<T1, T2, T3, T4>(Action<T1, T2, T3, T4> k) => (a1, a2, a3, a4) => { Count(); k(a1, a2, a3, a4); };

    private Action<T1, T2, T3, T4, T5> Counted<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> k) =>
        (a1, a2, a3, a4, a5) => { Count(); k(a1, a2, a3, a4, a5); };

    private Action<T1, T2, T3, T4, T5, T6> Counted<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> k) =>
        (a1, a2, a3, a4, a5, a6) => { Count(); k(a1, a2, a3, a4, a5, a6); };

    private Action<T1, T2, T3, T4, T5, T6, T7> Counted<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> k) =>
        (a1, a2, a3, a4, a5, a6, a7) => { Count(); k(a1, a2, a3, a4, a5, a6, a7); };

    private Action<T1, T2, T3, T4, T5, T6, T7, T8> Counted<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> k) =>
        (a1, a2, a3, a4, a5, a6, a7, a8) => { Count(); k(a1, a2, a3, a4, a5, a6, a7, a8); };

    private Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> k) =>
        (a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) => { Count(); k(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11); };

    private Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> k) =>
        (a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) => { Count(); k(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12); };
}
