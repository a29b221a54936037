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

/// <summary>The transformer's kernels compiled once for one accelerator.</summary>
internal sealed class GpuKernelSet
{
    public GpuKernelSet(Accelerator a)
    {
        Embedding = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<int>, ArrayView<float>, KernelDims>(GpuKernels.Embedding);
        RmsNorm = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, KernelDims>(GpuKernels.RmsNorm);
        Gemv = a.LoadStreamKernel<ArrayView<float>, ArrayView<ushort>, ArrayView<float>, GemvArgs>(GpuKernels.Gemv);
        Rope = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, KernelDims>(GpuKernels.Rope);
        KvWrite = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims>(GpuKernels.KvWrite);
        Attention = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims>(GpuKernels.Attention);
        SwiGlu = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(GpuKernels.SwiGlu);
        Argmax = a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(GpuKernels.Argmax);
        FillRandom = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ulong, float, float, int>(GpuKernels.FillRandom);
        Copy = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(GpuKernels.Copy);
        Gather = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(GatherRows);
        ToBits = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, int>(GpuKernels.ToBits);
    }

    public Action<Index1D, ArrayView<float>, ArrayView<ushort>, int> ToBits { get; }

    public Action<Index1D, ArrayView<ushort>, ArrayView<int>, ArrayView<float>, KernelDims> Embedding { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, KernelDims> RmsNorm { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, GemvArgs> Gemv { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, KernelDims> Rope { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims> KvWrite { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, KernelDims> Attention { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>> SwiGlu { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<int>, int> Argmax { get; }

    public Action<Index1D, ArrayView<ushort>, ulong, float, float, int> FillRandom { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>> Copy { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> Gather { get; }

    private static void GatherRows(Index1D index, ArrayView<float> x, ArrayView<int> rows, ArrayView<float> output, int dim)
    {
        int j = index / dim;
        int i = index % dim;
        output[index] = x[((long)rows[j] * dim) + i];
    }
}
