using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
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
    private CublasLtHandle? _cublasLt;
    private readonly List<string> _notes = [];

    /// <summary>Opens CUDA device <paramref name="info"/>.CudaIndex; <paramref name="nvml"/> (may be null) stays owned by the caller.</summary>
    public CudaBackend(GpuDeviceInfo info, Nvml? nvml)
    {
        var index = info.CudaIndex ?? throw new ArgumentException("not a CUDA device", nameof(info));
        CudaDriver.EnsureResolver();
        _context = Context.Create(b => b.Cuda());
        _accelerator = _context.GetCudaDevice(index).CreateCudaAccelerator(_context);
        Info = info with { FreeMemoryBytes = _accelerator.GetFreeMemory() };
        Scale = ScaleFor(Info.FreeMemoryBytes ?? info.MemoryBytes);
        var tiled = new IlgpuMatmulEngine(_accelerator);
        var stream = ((CudaStream)_accelerator.DefaultStream).StreamPtr;
        var fp8Capable = _accelerator.Architecture is { } arch && (arch.Major > 8 || (arch.Major == 8 && arch.Minor >= 9));
        if (CublasHandle.TryCreate(out _cublas, out var reason))
        {
            _cublas!.SetStream(stream);
            if (fp8Capable && !CublasLtHandle.TryCreate(out _cublasLt, out var ltReason))
            {
                _notes.Add($"cublasLt unavailable ({ltReason}); no FP8 products");
            }

            if (_cublasLt is not null && SelfTestFp8(new CublasMatmulEngine(_cublas, _cublasLt, stream)) is { } failure)
            {
                _notes.Add($"cublasLt FP8 self-test failed ({failure}); no FP8 products");
                _cublasLt.Dispose();
                _cublasLt = null;
            }

            Matmul = new CublasMatmulEngine(_cublas, _cublasLt, stream);
            Engines = [Matmul, tiled];
        }
        else
        {
            _notes.Add($"cuBLAS unavailable ({reason}); products use the ILGPU kernels");
            Matmul = tiled;
            Engines = [tiled];
        }

        var hasFp64 = GpuCatalog.MatchDeviceName(info.Name) is not { } model || model.Fp64Tflops >= 0.1 * model.Fp32Tflops;
        List<Precision> precisions = [Precision.Fp32, Precision.Bf16, Precision.Fp16, Precision.Tf32];
        if (hasFp64)
        {
            precisions.Add(Precision.Fp64);
        }

        if (fp8Capable && Matmul.Supports(Precision.Fp8))
        {
            precisions.Add(Precision.Fp8);
        }

        StressPrecisions = precisions;

        // A failing NVML lookup costs the telemetry, never the device.
        string? lookupError = null;
        IntPtr? nvmlDevice = null;
        try
        {
            nvmlDevice = nvml is not null && info.PciBusId is { } bus ? nvml.DeviceByPciBusId(bus) : null;
        }
        catch (Native.NvmlException ex)
        {
            lookupError = ex.Message;
        }

        Telemetry = nvml is not null && nvmlDevice is { } handle
            ? new NvmlTelemetrySource(nvml, handle)
            : new NoTelemetrySource(nvml is null ? "NVML (libnvidia-ml.so.1) is not available"
                : lookupError is not null ? $"NVML could not find the device at PCI bus id {info.PciBusId}: {lookupError}"
                : $"NVML has no device at PCI bus id {info.PciBusId}");
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
            MaxStressResults = 1024,
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
            // ILGPU already converts the driver's kHz to MHz.
            ClockMhz = device.ClockRate,
            MemoryClockMhz = device.MemoryClockRate,
            MemoryBusWidthBits = device.MemoryBusWidth,
            PciBusId = busId,
            CatalogModel = model?.Name,
        };
    }

    /// <summary>A 64×64×64 FP8 product checked against the host reference; null when it passes, else what went wrong.</summary>
    private string? SelfTestFp8(IMatmulEngine engine)
    {
        const int n = 64;
        try
        {
            var random = new Random(8);
            var a = HostMatrix.Random(Precision.Fp8, n, random);
            var b = HostMatrix.Random(Precision.Fp8, n, random);
            using var da = DeviceMatrix.Upload(_accelerator, StorageType.Raw8, a);
            using var db = DeviceMatrix.Upload(_accelerator, StorageType.Raw8, b);
            using var dc = DeviceMatrix.Allocate(_accelerator, StorageType.Float32, n);
            engine.Multiply(Precision.Fp8, da, db, dc);
            _accelerator.Synchronize();
            var check = MatmulVerifier.Verify(Precision.Fp8, n, a.Values, b.Values, dc.Download(), 64, random);
            return check.Passed ? null : $"result disagrees with the host reference: max relative error {check.MaxRelativeError:E2}";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <inheritdoc/>
    public long FreeMemoryBytes() => _accelerator.GetFreeMemory();

    /// <inheritdoc/>
    public void BindToCurrentThread() => _accelerator.Bind();

    /// <inheritdoc/>
    public void Dispose()
    {
        Telemetry.Dispose();
        _cublasLt?.Dispose();
        _cublas?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
