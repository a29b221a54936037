namespace Fleet.Gpu.BurnIn;

/// <summary>A progress report from one device; the CLI renders these on stderr, the engine never writes to a console.</summary>
public sealed record BurnInProgress
{
    public required string DeviceId { get; init; }
    public required string Phase { get; init; }
    public TimeSpan Elapsed { get; init; }
    public double? Gflops { get; init; }
    public double? TemperatureC { get; init; }
    public double? PowerW { get; init; }
    public long Errors { get; init; }
    public string? Message { get; init; }
}
