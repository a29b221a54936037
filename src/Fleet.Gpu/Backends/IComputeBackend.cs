using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Telemetry;
using ILGPU.Runtime;

namespace Fleet.Gpu.Backends;

/// <summary>
/// How big a backend's work may be. The CPU accelerator simulates warps with threads and is slow, so its limits are small;
/// GPUs size work from free memory. Everything device-independent reads sizes from here, never from "is this CUDA".
/// </summary>
public sealed record DeviceScale
{
    /// <summary>Largest square matrix edge the stress and benchmarks use by default.</summary>
    public required int MatmulSize { get; init; }
    /// <summary>Fraction of free memory the stress fills with product results.</summary>
    public required double StressMemoryFraction { get; init; }
    /// <summary>Upper bound on stored results per stress round.</summary>
    public required int MaxStressResults { get; init; }
    /// <summary>Fraction of free memory the memory patterns cover.</summary>
    public required double PatternMemoryFraction { get; init; }
    /// <summary>Upper bound on pattern bytes (the CPU accelerator's is small).</summary>
    public required long MaxPatternBytes { get; init; }
    /// <summary>Bytes moved per bandwidth transfer.</summary>
    public required long BandwidthBytes { get; init; }
}

/// <summary>One device ready for work: its accelerator, its matrix-product engine and its telemetry. One per backend folder.</summary>
public interface IComputeBackend : IDisposable
{
    GpuDeviceInfo Info { get; }

    /// <summary>The ILGPU accelerator every kernel runs on.</summary>
    Accelerator Accelerator { get; }

    /// <summary>The engine burn-in uses (cuBLAS on CUDA; ILGPU kernels on the CPU accelerator or where cuBLAS is missing).</summary>
    IMatmulEngine Matmul { get; }

    /// <summary>Every engine worth benchmarking on this device (e.g. cuBLAS and the ILGPU tiled kernel).</summary>
    IReadOnlyList<IMatmulEngine> Engines { get; }

    /// <summary>Precisions the stress runs here, in order.</summary>
    IReadOnlyList<Precision> StressPrecisions { get; }

    ITelemetrySource Telemetry { get; }

    DeviceScale Scale { get; }

    /// <summary>Notes about degraded paths (e.g. "cuBLAS not found: …"), shown in results.</summary>
    IReadOnlyList<string> Notes { get; }

    /// <summary>Free device memory now, bytes.</summary>
    long FreeMemoryBytes();

    /// <summary>Makes the device's context current on the calling thread (CUDA contexts are per thread).</summary>
    void BindToCurrentThread();
}
