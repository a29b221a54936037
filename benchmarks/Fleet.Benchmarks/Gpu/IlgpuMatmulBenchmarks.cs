using BenchmarkDotNet.Attributes;
using Fleet.Domain.Catalog;
using Fleet.Gpu.Backends.Cpu;
using Fleet.Gpu.Matmul;

namespace Fleet.Benchmarks.Gpu;

/// <summary>
/// Fleet's ILGPU FP32 kernels on the CPU accelerator: the shared-memory tiled kernel against the naive one (one thread per
/// element). On a GPU the tiled kernel is benchmarked beside cuBLAS by `fleet gpu bench matmul --dtype fp32`.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class IlgpuMatmulBenchmarks : IDisposable
{
    private CpuBackend? _backend;
    private DeviceMatrix? _a;
    private DeviceMatrix? _b;
    private DeviceMatrix? _c;
    private IlgpuMatmulEngine? _naive;
    private IlgpuMatmulEngine? _tiled;

    [Params(16, 32)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuBackend();
        var random = new Random(1);
        _a = DeviceMatrix.Upload(_backend.Accelerator, StorageType.Float32, HostMatrix.Random(Precision.Fp32, N, random));
        _b = DeviceMatrix.Upload(_backend.Accelerator, StorageType.Float32, HostMatrix.Random(Precision.Fp32, N, random));
        _c = DeviceMatrix.Allocate(_backend.Accelerator, StorageType.Float32, N);
        _naive = new IlgpuMatmulEngine(_backend.Accelerator, IlgpuMatmulVariant.Naive);
        _tiled = new IlgpuMatmulEngine(_backend.Accelerator, IlgpuMatmulVariant.Tiled);
        Naive();
        Tiled();
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        _naive!.Multiply(Precision.Fp32, _a!, _b!, _c!);
        _backend!.Accelerator.Synchronize();
    }

    [Benchmark]
    public void Tiled()
    {
        _tiled!.Multiply(Precision.Fp32, _a!, _b!, _c!);
        _backend!.Accelerator.Synchronize();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
        _backend?.Dispose();
        _a = _b = _c = null;
        _backend = null;
        GC.SuppressFinalize(this);
    }
}
