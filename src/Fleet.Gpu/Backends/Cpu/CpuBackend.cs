using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Telemetry;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace Fleet.Gpu.Backends.Cpu;

/// <summary>ILGPU's CPU accelerator: the backend every kernel is tested on without a GPU. Small sizes, no telemetry.</summary>
public sealed class CpuBackend : IComputeBackend
{
    private readonly Context _context;

    /// <summary>Creates the CPU accelerator; <paramref name="scale"/> overrides the default small sizes (tests shrink further).</summary>
    public CpuBackend(DeviceScale? scale = null)
    {
        _context = Context.Create(b => b.CPU());
        Accelerator = _context.GetCPUDevice(0).CreateCPUAccelerator(_context);
        Info = Describe(Accelerator);
        // The simulated groups make barriers expensive here, so the naive kernel is the faster stress engine on this backend.
        Matmul = new IlgpuMatmulEngine(Accelerator, IlgpuMatmulVariant.Naive);
        Engines = [Matmul, new IlgpuMatmulEngine(Accelerator, IlgpuMatmulVariant.Tiled)];
        Scale = scale ?? DefaultScale;
        Telemetry = new NoTelemetrySource("the CPU accelerator has no NVML telemetry");
    }

    /// <summary>Sizes that keep a quick burn-in under a minute on a 2-core machine.</summary>
    public static DeviceScale DefaultScale { get; } = new()
    {
        MatmulSize = 48,
        StressMemoryFraction = 0.5,
        MaxStressResults = 4,
        PatternMemoryFraction = 0.5,
        MaxPatternBytes = 64L << 10,
        BandwidthBytes = 8L << 20,
    };

    /// <inheritdoc/>
    public GpuDeviceInfo Info { get; }

    /// <inheritdoc/>
    public Accelerator Accelerator { get; }

    /// <inheritdoc/>
    public IMatmulEngine Matmul { get; }

    /// <inheritdoc/>
    public IReadOnlyList<IMatmulEngine> Engines { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Precision> StressPrecisions { get; } = [Precision.Fp32, Precision.Fp64, Precision.Bf16, Precision.Fp16, Precision.Fp8];

    /// <inheritdoc/>
    public ITelemetrySource Telemetry { get; }

    /// <inheritdoc/>
    public DeviceScale Scale { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes { get; } = [];

    /// <summary>The CPU accelerator's description, without creating work on it.</summary>
    public static GpuDeviceInfo Describe(Accelerator accelerator) => new()
    {
        Id = "cpu",
        Kind = DeviceKind.Cpu,
        Name = $"ILGPU CPU accelerator ({Environment.ProcessorCount} cores)",
        MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        FreeMemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false),
        MultiprocessorCount = accelerator.NumMultiprocessors,
        MaxThreadsPerGroup = accelerator.MaxNumThreadsPerGroup,
        MaxSharedMemoryPerGroupBytes = (int)Math.Min(int.MaxValue, accelerator.MaxSharedMemoryPerGroup),
        WarpSize = accelerator.WarpSize,
    };

    /// <inheritdoc/>
    public long FreeMemoryBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false);

    /// <inheritdoc/>
    public void BindToCurrentThread() => Accelerator.Bind();

    /// <inheritdoc/>
    public void Dispose()
    {
        Telemetry.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
