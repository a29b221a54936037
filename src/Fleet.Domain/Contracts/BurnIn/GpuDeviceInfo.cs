namespace Fleet.Domain.Contracts.BurnIn;

/// <summary>What kind of accelerator a device is; the CPU accelerator is ILGPU's simulated one used when no GPU exists.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
}

/// <summary>One device as discovered: ILGPU's view (compute capability, memory, SMs, clocks) plus NVML identity where readable.</summary>
public sealed record GpuDeviceInfo
{
    /// <summary>Stable id used by --device: "cpu" or the CUDA ordinal as a string.</summary>
    public required string Id { get; init; }
    public required DeviceKind Kind { get; init; }
    /// <summary>CUDA ordinal; null for the CPU accelerator.</summary>
    public int? CudaIndex { get; init; }
    public required string Name { get; init; }
    /// <summary>"9.0" for Hopper; null on the CPU accelerator.</summary>
    public string? ComputeCapability { get; init; }
    public long MemoryBytes { get; init; }
    public long? FreeMemoryBytes { get; init; }
    public int MultiprocessorCount { get; init; }
    public int MaxThreadsPerGroup { get; init; }
    public int MaxSharedMemoryPerGroupBytes { get; init; }
    public int WarpSize { get; init; }
    public int? ClockMhz { get; init; }
    public int? MemoryClockMhz { get; init; }
    public int? MemoryBusWidthBits { get; init; }
    public string? PciBusId { get; init; }
    public string? Uuid { get; init; }
    public string? Serial { get; init; }
    public string? BoardPartNumber { get; init; }
    public string? VbiosVersion { get; init; }
    public string? InforomVersion { get; init; }
    public string? DriverVersion { get; init; }
    public uint? PcieLinkGenerationCurrent { get; init; }
    public uint? PcieLinkGenerationMax { get; init; }
    public uint? PcieLinkWidthCurrent { get; init; }
    public uint? PcieLinkWidthMax { get; init; }
    /// <summary>The catalog model this device matched (GpuCatalog.MatchDeviceName); null when none.</summary>
    public string? CatalogModel { get; init; }
}
