namespace Fleet.Domain.Models;

/// <summary>
/// What one (GPU model, transformer model, dtype) measured: written by the inference profiler (<c>fleet infer profile</c>),
/// read by the capacity planner. Serialized as camelCase JSON; <see cref="Schema"/> versions the shape.
/// Times are seconds. t_prefill = a + b·ΣL + c·ΣL²; t_decode = a + b·Σctx + c·B.
/// </summary>
public sealed record PerformanceProfile
{
    public const string CurrentSchema = "fleet.inference-profile/v1";

    public string Schema { get; init; } = CurrentSchema;
    /// <summary>Catalog name of the GPU model (e.g. "H100 SXM5 80GB"), or "cpu".</summary>
    public required string GpuModel { get; init; }
    /// <summary>The device as the driver names it.</summary>
    public string? Device { get; init; }
    /// <summary>Preset name of the transformer model (e.g. "llama-3.1-8b").</summary>
    public required string Model { get; init; }
    public required string Dtype { get; init; }
    public DateTime MeasuredAtUtc { get; init; }
    public string? ToolVersion { get; init; }
    /// <summary>Ceilings measured on the same device in the same run, against which MBU and MFU are stated.</summary>
    public required ProfileCeilings Ceilings { get; init; }
    public required QuadraticFit Prefill { get; init; }
    public required DecodeFit Decode { get; init; }
    public required ProfileMemory Memory { get; init; }
    public IReadOnlyList<PrefillPoint> PrefillPoints { get; init; } = [];
    public IReadOnlyList<DecodePoint> DecodePoints { get; init; } = [];
    /// <summary>Model bandwidth utilisation of batch-1 decode at the smallest context measured.</summary>
    public double? DecodeMbu { get; init; }
    /// <summary>Model FLOP utilisation of the longest prefill measured.</summary>
    public double? PrefillMfu { get; init; }
}

public sealed record ProfileCeilings(double BandwidthBytesPerSecond, double MatmulFlopsPerSecond);

/// <summary>t = A + B·x + C·x².</summary>
public sealed record QuadraticFit(double A, double B, double C)
{
    public double Evaluate(double x) => A + (B * x) + (C * x * x);
}

/// <summary>t = A + B·Σctx + C·batch.</summary>
public sealed record DecodeFit(double A, double B, double C)
{
    public double Evaluate(double totalContext, int batch) => A + (B * totalContext) + (C * batch);
}

public sealed record ProfileMemory(long DeviceMemoryBytes, long WeightBytes, long KvBytesPerToken, IReadOnlyList<MaxBatchPoint> MaxBatch);

public sealed record MaxBatchPoint(int Context, int MaxBatch);

public sealed record PrefillPoint(int Batch, int PromptTokens, double Seconds);

public sealed record DecodePoint(int Batch, int Context, double Seconds);
