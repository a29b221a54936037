namespace Fleet.Domain.Catalog;

/// <summary>Numeric precisions a GPU model is rated in.</summary>
public enum Precision
{
    Fp64,
    Fp32,
    Tf32,
    Fp16,
    Bf16,
    Fp8,
}

/// <summary>A GPU model from the catalog: datasheet facts, dense (no sparsity) peaks.</summary>
public class GpuModel : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Vendor { get; set; }
    public required string Architecture { get; set; }
    public required string FormFactor { get; set; }
    public int MemoryGb { get; set; }
    public double MemoryBandwidthTbs { get; set; }
    public double Fp64Tflops { get; set; }
    public double Fp32Tflops { get; set; }
    public double Tf32Tflops { get; set; }
    public double Fp16Tflops { get; set; }
    public double Bf16Tflops { get; set; }
    /// <summary>Null where the model has no FP8 support.</summary>
    public double? Fp8Tflops { get; set; }
    public int TdpW { get; set; }
    public decimal TypicalPriceUsd { get; set; }
    /// <summary>Straight-line depreciation life for cards of this model.</summary>
    public int DepreciationMonths { get; set; } = 60;
    public long Version { get; set; }

    /// <summary>Dense peak in TFLOP/s for <paramref name="precision"/>, or null where the model does not support it.</summary>
    public double? PeakTflops(Precision precision) => precision switch
    {
        Precision.Fp64 => Fp64Tflops,
        Precision.Fp32 => Fp32Tflops,
        Precision.Tf32 => Tf32Tflops,
        Precision.Fp16 => Fp16Tflops,
        Precision.Bf16 => Bf16Tflops,
        Precision.Fp8 => Fp8Tflops,
        _ => null,
    };
}
