using Fleet.Domain.Catalog;
using Fleet.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Matmul;

/// <summary>Which ILGPU FP32 kernel an <see cref="IlgpuMatmulEngine"/> uses.</summary>
public enum IlgpuMatmulVariant
{
    Naive,
    Tiled,
}

/// <summary>
/// Matrix products with Fleet's own ILGPU kernels: FP64, FP32 (naive or shared-memory tiled), FP16, BF16 and FP8 E4M3
/// (raw bits decoded in the kernel, FP32 accumulation). TF32 runs as FP32 here (exact FP32 is within TF32's tolerance).
/// </summary>
public sealed class IlgpuMatmulEngine : IMatmulEngine
{
    private readonly Accelerator _accelerator;
    private readonly IlgpuMatmulVariant _variant;
    private Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _naive32;
    private Action<Index2D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int>? _naive64;
    private Action<Index2D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, int>? _bf16;
    private Action<Index2D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, int>? _fp16;
    private Action<Index2D, ArrayView<byte>, ArrayView<byte>, ArrayView<float>, int>? _fp8;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _tiled;

    /// <summary>Binds to <paramref name="accelerator"/>; kernels compile on first use.</summary>
    public IlgpuMatmulEngine(Accelerator accelerator, IlgpuMatmulVariant variant = IlgpuMatmulVariant.Tiled)
    {
        _accelerator = accelerator;
        _variant = variant;
        TileSize = ChooseTile(accelerator.MaxNumThreadsPerGroup, accelerator.MaxSharedMemoryPerGroup);
    }

    /// <inheritdoc/>
    public string Name => _variant == IlgpuMatmulVariant.Tiled ? "ilgpu-tiled" : "ilgpu-naive";

    /// <summary>The FP32 tile edge, from the device's group-size and shared-memory limits.</summary>
    public int TileSize { get; }

    /// <summary>Largest power-of-two tile with tile² threads per group and 2·tile² floats of shared memory, at most 32.</summary>
    public static int ChooseTile(int maxThreadsPerGroup, long maxSharedMemoryBytes)
    {
        var tile = 1;
        while (tile < 32 && (tile * 2) * (tile * 2) <= maxThreadsPerGroup && 2L * (tile * 2) * (tile * 2) * sizeof(float) <= maxSharedMemoryBytes)
        {
            tile *= 2;
        }

        return tile;
    }

    /// <inheritdoc/>
    public bool Supports(Precision precision) => true;

    /// <inheritdoc/>
    public void Multiply(Precision precision, DeviceMatrix a, DeviceMatrix b, DeviceMatrix c)
    {
        var n = a.N;
        var extent = new Index2D(n, n);
        switch (precision)
        {
            case Precision.Fp64:
                _naive64 ??= _accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int>(MatmulKernels.NaiveFp64);
                _naive64(extent, a.Float64!.View, b.Float64!.View, c.Float64!.View, n);
                break;
            case Precision.Fp32 or Precision.Tf32 when _variant == IlgpuMatmulVariant.Tiled:
                _tiled ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(MatmulKernels.TiledFp32);
                var groups = (n + TileSize - 1) / TileSize;
                var config = new KernelConfig(new Index2D(groups, groups), new Index2D(TileSize, TileSize), SharedMemoryConfig.RequestDynamic<float>(2 * TileSize * TileSize));
                _tiled(config, a.Float32!.View, b.Float32!.View, c.Float32!.View, n, TileSize);
                break;
            case Precision.Fp32 or Precision.Tf32:
                _naive32 ??= _accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(MatmulKernels.NaiveFp32);
                _naive32(extent, a.Float32!.View, b.Float32!.View, c.Float32!.View, n);
                break;
            case Precision.Bf16:
                _bf16 ??= _accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, int>(MatmulKernels.NaiveBf16);
                _bf16(extent, a.Raw16!.View, b.Raw16!.View, c.Float32!.View, n);
                break;
            case Precision.Fp16:
                _fp16 ??= _accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, int>(MatmulKernels.NaiveFp16);
                _fp16(extent, a.Raw16!.View, b.Raw16!.View, c.Float32!.View, n);
                break;
            case Precision.Fp8:
                _fp8 ??= _accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<byte>, ArrayView<byte>, ArrayView<float>, int>(MatmulKernels.NaiveFp8);
                _fp8(extent, a.Raw8!.View, b.Raw8!.View, c.Float32!.View, n);
                break;
            default:
                throw new NotSupportedException($"{Name} has no {precision} kernel");
        }
    }
}
