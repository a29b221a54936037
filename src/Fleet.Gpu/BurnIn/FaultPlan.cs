using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Gpu.BurnIn;

/// <summary>
/// Where a deliberate fault goes: a flipped mantissa bit in one repeated product (GEMM), a stuck-at-zero bit at a known
/// word of the memory under test (memory), or a NaN written into one product (NaN).
/// </summary>
public sealed record FaultPlan(FaultKind Kind)
{
    /// <summary>No fault.</summary>
    public static FaultPlan None { get; } = new(FaultKind.None);

    /// <summary>Element of the first repeated product that is corrupted (GEMM and NaN faults).</summary>
    public int ResultElement { get; init; } = 7;

    /// <summary>Word index of the stuck bit, as a fraction of the tested region (so it lands in any size of region).</summary>
    public double MemoryPosition { get; init; } = 0.5;

    /// <summary>The stuck bit (held at zero).</summary>
    public int MemoryBit { get; init; } = 5;

    /// <summary>The word index the memory fault hits in a region of <paramref name="words"/> words.</summary>
    public long MemoryWordIndex(long words) => Math.Clamp((long)(words * MemoryPosition) + 3, 0, words - 1);
}
