using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Gpu.Devices;

/// <summary>The result of discovery: every usable device and, when no GPU was found, why.</summary>
public sealed record DeviceInventory(IReadOnlyList<GpuDeviceInfo> Devices, IReadOnlyList<string> Notes)
{
    /// <summary>The CUDA devices only.</summary>
    public IEnumerable<GpuDeviceInfo> Gpus => Devices.Where(d => d.Kind == DeviceKind.Cuda);

    /// <summary>Set when a CUDA driver is present but no GPU could be used: the command must not quietly use the CPU.</summary>
    public string? GpuProblem { get; init; }
}
