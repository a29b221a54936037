using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Backends.Cpu;
using Fleet.Gpu.Backends.Cuda;
using Fleet.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using NvmlException = Fleet.Gpu.Native.NvmlException;

namespace Fleet.Gpu.Devices;

/// <summary>
/// Finds devices and opens backends. Without the NVIDIA driver it lists the CPU accelerator and says why no GPU was found,
/// never throws. Owns the NVML session shared by the CUDA backends it opens.
/// </summary>
public sealed class DeviceDiscovery : IDisposable
{
    /// <summary>The CUDA driver library ILGPU loads (through <see cref="CudaDriver.EnsureResolver"/>).</summary>
    public const string CudaDriverLibrary = "libcuda.so.1";

    private readonly Nvml? _nvml;
    private readonly string? _nvmlReason;

    /// <summary>Opens NVML where present (its absence is a note, not an error).</summary>
    public DeviceDiscovery()
    {
        try
        {
            if (!Nvml.TryOpen(out _nvml, out _nvmlReason))
            {
                _nvml = null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or NvmlException)
        {
            _nvml = null;
            _nvmlReason = ex.Message;
        }
    }

    /// <summary>Every device: the CUDA GPUs first (with NVML identity), then the CPU accelerator.</summary>
    public DeviceInventory Discover()
    {
        var devices = new List<GpuDeviceInfo>();
        var notes = new List<string>();
        if (_nvml is null)
        {
            notes.Add($"NVML unavailable: {_nvmlReason}");
        }

        string? gpuProblem = null;
        if (!CudaDriver.IsPresent())
        {
            notes.Add($"no NVIDIA GPU: the CUDA driver library {CudaDriverLibrary} was not found (no NVIDIA driver installed or not on the library path)");
        }
        else
        {
            try
            {
                CudaDriver.EnsureResolver();
                using var context = Context.Create(b => b.Cuda());
                var cudaDevices = context.GetCudaDevices();
                if (cudaDevices.Count == 0)
                {
                    gpuProblem = "a CUDA driver is present but ILGPU found no CUDA device (check nvidia-smi, CUDA_VISIBLE_DEVICES, the driver version)";
                }

                for (var i = 0; i < cudaDevices.Count; i++)
                {
                    devices.Add(AddNvmlIdentity(CudaBackend.Describe(cudaDevices[i], i)));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                gpuProblem = $"a CUDA driver is present but ILGPU's CUDA initialisation failed: {ex.GetType().Name}: {ex.Message}";
            }

            if (gpuProblem is not null)
            {
                notes.Add(gpuProblem);
            }
        }

        using (var cpuContext = Context.Create(b => b.CPU()))
        using (var cpu = cpuContext.GetCPUDevice(0).CreateCPUAccelerator(cpuContext))
        {
            devices.Add(CpuBackend.Describe(cpu));
        }

        return new DeviceInventory(devices, notes) { GpuProblem = gpuProblem };
    }

    /// <summary>Opens the backend for one discovered device.</summary>
    public IComputeBackend Open(GpuDeviceInfo device, DeviceScale? cpuScale = null) => device.Kind switch
    {
        DeviceKind.Cuda => new CudaBackend(device, _nvml),
        _ => new CpuBackend(cpuScale),
    };

    /// <summary>
    /// Resolves --device: "all" = every GPU (or the CPU when no driver is installed), "cpu", or a CUDA index. Throws
    /// <see cref="ArgumentException"/> naming the valid choices otherwise, and <see cref="InvalidOperationException"/>
    /// for "all" when a driver is present but no GPU could be used (never a silent run on the CPU).
    /// </summary>
    public static IReadOnlyList<GpuDeviceInfo> Select(DeviceInventory inventory, string selector)
    {
        var s = selector.Trim().ToLowerInvariant();
        if (s == "all")
        {
            if (inventory.GpuProblem is { } problem)
            {
                throw new InvalidOperationException($"--device all: {problem}; not falling back to the CPU (use --device cpu for that)");
            }

            var gpus = inventory.Gpus.ToList();
            return gpus.Count > 0 ? gpus : inventory.Devices.Where(d => d.Kind == DeviceKind.Cpu).ToList();
        }

        var match = inventory.Devices.FirstOrDefault(d => d.Id == s);
        if (match is null)
        {
            var valid = string.Join(", ", new[] { "all" }.Concat(inventory.Devices.Select(d => d.Id)));
            throw new ArgumentException($"--device '{selector}' matches no device; valid: {valid}");
        }

        return [match];
    }

    /// <inheritdoc/>
    public void Dispose() => _nvml?.Dispose();

    private GpuDeviceInfo AddNvmlIdentity(GpuDeviceInfo info)
    {
        if (_nvml is not { } nvml || info.PciBusId is null)
        {
            return info;
        }

        // A failing lookup or one unexpected return code costs that field only, never the device.
        if (Nvml.Field(() => nvml.DeviceByPciBusId(info.PciBusId)) is not { } d)
        {
            return info;
        }

        return info with
        {
            Uuid = Nvml.Field(() => nvml.Uuid(d)),
            Serial = Nvml.Field(() => nvml.Serial(d)),
            BoardPartNumber = Nvml.Field(() => nvml.BoardPartNumber(d)),
            VbiosVersion = Nvml.Field(() => nvml.VbiosVersion(d)),
            InforomVersion = Nvml.Field(() => nvml.InforomImageVersion(d)),
            DriverVersion = Nvml.Field(nvml.DriverVersion),
            PciBusId = Nvml.Field(() => nvml.Pci(d))?.BusId ?? info.PciBusId,
            PcieLinkGenerationCurrent = Nvml.Field(() => nvml.PcieLinkGenerationCurrent(d)),
            PcieLinkGenerationMax = Nvml.Field(() => nvml.PcieLinkGenerationMax(d)),
            PcieLinkWidthCurrent = Nvml.Field(() => nvml.PcieLinkWidthCurrent(d)),
            PcieLinkWidthMax = Nvml.Field(() => nvml.PcieLinkWidthMax(d)),
        };
    }
}
