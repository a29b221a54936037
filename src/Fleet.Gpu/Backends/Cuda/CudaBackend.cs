using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Native;
using Fleet.Gpu.Telemetry;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>
/// One NVIDIA GPU: ILGPU's CudaAccelerator (PTX for the device's architecture), cuBLAS for products where the library
/// loads (else the ILGPU kernels, with a note saying why), NVML for telemetry.
/// </summary>
public sealed class CudaBackend : IComputeBackend
{
    private readonly Context _context;
    private readonly CudaAccelerator _accelerator;
    private readonly CublasHandle? _cublas;
    private readonly List<string> _notes = [];

    /// <summary>Opens CUDA device <paramref name="info"/>.CudaIndex; <paramref name="nvml"/> (may be null) stays owned by the caller.</summary>
    public CudaBackend(GpuDeviceInfo info, Nvml? nvml)
    {
        var index = info.CudaIndex ?? throw new ArgumentException("not a CUDA device", nameof(info));
        _context = Context.Create(b => b.Cuda());
        _accelerator = _context.GetCudaDevice(index).CreateCudaAccelerator(_context);
        Info = info with { FreeMemoryBytes = _accelerator.GetFreeMemory() };
        Scale = ScaleFor(Info.FreeMemoryBytes ?? info.MemoryBytes);
        var tiled = new IlgpuMatmulEngine(_accelerator);
        if (CublasHandle.TryCreate(out _cublas, out var reason))
        {
            _cublas!.SetStream(((CudaStream)_accelerator.DefaultStream).StreamPtr);
            Matmul = new CublasMatmulEngine(_cublas);
            Engines = [Matmul, tiled];
        }
        else
        {
            _notes.Add($"cuBLAS unavailable ({reason}); products use the ILGPU kernels");
            Matmul = tiled;
            Engines = [tiled];
        }

        var hasFp64 = GpuCatalog.MatchDeviceName(info.Name) is not { } model || model.Fp64Tflops >= 0.1 * model.Fp32Tflops;
        StressPrecisions = hasFp64
            ? [Precision.Fp32, Precision.Bf16, Precision.Fp16, Precision.Tf32, Precision.Fp64]
            : [Precision.Fp32, Precision.Bf16, Precision.Fp16, Precision.Tf32];

        IntPtr? nvmlDevice = nvml is not null && info.PciBusId is { } bus ? nvml.DeviceByPciBusId(bus) : null;
        Telemetry = nvml is not null && nvmlDevice is { } handle
            ? new NvmlTelemetrySource(nvml, handle)
            : new NoTelemetrySource(nvml is null ? "NVML (libnvidia-ml.so.1) is not available" : $"NVML has no device at PCI bus id {info.PciBusId}");
    }

    /// <inheritdoc/>
    public GpuDeviceInfo Info { get; }

    /// <inheritdoc/>
    public Accelerator Accelerator => _accelerator;

    /// <inheritdoc/>
    public IMatmulEngine Matmul { get; }

    /// <inheritdoc/>
    public IReadOnlyList<IMatmulEngine> Engines { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Precision> StressPrecisions { get; }

    /// <inheritdoc/>
    public ITelemetrySource Telemetry { get; }

    /// <inheritdoc/>
    public DeviceScale Scale { get; }

    /// <summary>
    /// Sizes from free memory: the largest power-of-two product edge up to 8192 (gpu-burn's and the PyTorch reference's
    /// size) whose FP64 inputs and two results take at most 1/16 of free memory; copies of 1/64 of free memory up to 1 GiB.
    /// </summary>
    public static DeviceScale ScaleFor(long freeBytes)
    {
        var edge = 8192;
        while (edge > 256 && 4L * edge * edge * sizeof(double) > freeBytes / 16)
        {
            edge /= 2;
        }

        return new DeviceScale
        {
            MatmulSize = edge,
            StressMemoryFraction = 0.85,
            MaxStressResults = 64,
            PatternMemoryFraction = 0.85,
            MaxPatternBytes = long.MaxValue,
            BandwidthBytes = Math.Clamp(freeBytes / 64, 64L << 20, 1L << 30),
        };
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Describes CUDA device <paramref name="index"/> from ILGPU's device properties (no accelerator needed).</summary>
    public static GpuDeviceInfo Describe(CudaDevice device, int index)
    {
        var busId = string.Create(CultureInfo.InvariantCulture, $"{device.PCIDomainId:X8}:{device.PCIBusId:X2}:{device.PCIDeviceId:X2}.0");
        var model = GpuCatalog.MatchDeviceName(device.Name);
        return new GpuDeviceInfo
        {
            Id = index.ToString(CultureInfo.InvariantCulture),
            Kind = DeviceKind.Cuda,
            CudaIndex = index,
            Name = device.Name,
            ComputeCapability = device.Architecture is { } arch ? string.Create(CultureInfo.InvariantCulture, $"{arch.Major}.{arch.Minor}") : null,
            MemoryBytes = device.MemorySize,
            MultiprocessorCount = device.NumMultiprocessors,
            MaxThreadsPerGroup = device.MaxNumThreadsPerGroup,
            MaxSharedMemoryPerGroupBytes = (int)device.MaxSharedMemoryPerGroup,
            WarpSize = device.WarpSize,
            ClockMhz = device.ClockRate / 1000,
            MemoryClockMhz = device.MemoryClockRate / 1000,
            MemoryBusWidthBits = device.MemoryBusWidth,
            PciBusId = busId,
            CatalogModel = model?.Name,
        };
    }

    /// <inheritdoc/>
    public long FreeMemoryBytes() => _accelerator.GetFreeMemory();

    /// <inheritdoc/>
    public void BindToCurrentThread() => _accelerator.Bind();

    /// <inheritdoc/>
    public void Dispose()
    {
        Telemetry.Dispose();
        _cublas?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
