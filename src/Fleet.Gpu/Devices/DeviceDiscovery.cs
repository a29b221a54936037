using System.Runtime.InteropServices;
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
    /// <summary>The CUDA driver library ILGPU loads.</summary>
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

        if (!NativeLibrary.TryLoad(CudaDriverLibrary, out var cuda))
        {
            notes.Add($"no NVIDIA GPU: the CUDA driver library {CudaDriverLibrary} was not found (no NVIDIA driver installed or not on the library path)");
        }
        else
        {
            NativeLibrary.Free(cuda);
            try
            {
                using var context = Context.Create(b => b.Cuda());
                var cudaDevices = context.GetCudaDevices();
                if (cudaDevices.Count == 0)
                {
                    notes.Add("no NVIDIA GPU: the CUDA driver loaded but ILGPU found no CUDA device (check nvidia-smi, CUDA_VISIBLE_DEVICES, driver version)");
                }

                for (var i = 0; i < cudaDevices.Count; i++)
                {
                    devices.Add(AddNvmlIdentity(CudaBackend.Describe(cudaDevices[i], i)));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                notes.Add($"no NVIDIA GPU usable: ILGPU CUDA initialisation failed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        using (var cpuContext = Context.Create(b => b.CPU()))
        using (var cpu = cpuContext.GetCPUDevice(0).CreateCPUAccelerator(cpuContext))
        {
            devices.Add(CpuBackend.Describe(cpu));
        }

        return new DeviceInventory(devices, notes);
    }

    /// <summary>Opens the backend for one discovered device.</summary>
    public IComputeBackend Open(GpuDeviceInfo device, DeviceScale? cpuScale = null) => device.Kind switch
    {
        DeviceKind.Cuda => new CudaBackend(device, _nvml),
        _ => new CpuBackend(cpuScale),
    };

    /// <summary>
    /// Resolves --device: "all" = every GPU (or the CPU when there is none), "cpu", or a CUDA index. Throws
    /// <see cref="ArgumentException"/> naming the valid choices otherwise.
    /// </summary>
    public static IReadOnlyList<GpuDeviceInfo> Select(DeviceInventory inventory, string selector)
    {
        var s = selector.Trim().ToLowerInvariant();
        if (s == "all")
        {
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
        if (_nvml is null || info.PciBusId is null)
        {
            return info;
        }

        try
        {
            if (_nvml.DeviceByPciBusId(info.PciBusId) is not { } d)
            {
                return info;
            }

            return info with
            {
                Uuid = _nvml.Uuid(d),
                Serial = _nvml.Serial(d),
                BoardPartNumber = _nvml.BoardPartNumber(d),
                VbiosVersion = _nvml.VbiosVersion(d),
                InforomVersion = _nvml.InforomImageVersion(d),
                DriverVersion = _nvml.DriverVersion(),
                PciBusId = _nvml.Pci(d)?.BusId ?? info.PciBusId,
                PcieLinkGenerationCurrent = _nvml.PcieLinkGenerationCurrent(d),
                PcieLinkGenerationMax = _nvml.PcieLinkGenerationMax(d),
                PcieLinkWidthCurrent = _nvml.PcieLinkWidthCurrent(d),
                PcieLinkWidthMax = _nvml.PcieLinkWidthMax(d),
            };
        }
        catch (NvmlException)
        {
            return info;
        }
    }
}
