using Fleet.Domain.Catalog;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Cost;

/// <summary>
/// What a GPU costs to own and run, shared by capacity planning and the finance reports: straight-line depreciation
/// over a life in months down to a salvage value, plus power at TDP × PUE × price per kWh (an upper bound: cards
/// rarely sit at TDP). Money is decimal in <see cref="Currency"/>.
/// </summary>
public sealed record CostModel(decimal PurchasePrice, int LifeMonths, decimal SalvageFraction, int TdpW, decimal Pue, decimal PricePerKwh, string Currency = "USD")
{
    /// <summary>Average hours in a month (8760 / 12).</summary>
    public const decimal HoursPerMonth = 730m;

    /// <summary>The cost model for one catalog GPU under a scenario's stated assumptions.</summary>
    public static CostModel For(GpuModel gpu, CostSpec assumptions) => new(
        gpu.TypicalPriceUsd, assumptions.LifeMonths ?? gpu.DepreciationMonths, assumptions.SalvageFraction, gpu.TdpW,
        assumptions.Pue, assumptions.PricePerKwh, assumptions.Currency);

    /// <summary>Value left at end of life.</summary>
    public decimal SalvageValue => PurchasePrice * SalvageFraction;

    /// <summary>Straight-line depreciation per month: (price − salvage) / life.</summary>
    public decimal DepreciationPerMonth => (PurchasePrice - SalvageValue) / LifeMonths;

    /// <summary>Depreciation per GPU-hour.</summary>
    public decimal DepreciationPerGpuHour => DepreciationPerMonth / HoursPerMonth;

    /// <summary>Energy cost per GPU-hour: TDP (kW) × PUE × price per kWh.</summary>
    public decimal PowerPerGpuHour => TdpW / 1000m * Pue * PricePerKwh;

    /// <summary>Depreciation plus power per GPU-hour.</summary>
    public decimal CostPerGpuHour => DepreciationPerGpuHour + PowerPerGpuHour;

    /// <summary>Book value after <paramref name="monthsInService"/> months: price less accumulated depreciation, never below salvage.</summary>
    public decimal BookValue(int monthsInService)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(monthsInService);
        return Math.Max(SalvageValue, PurchasePrice - (DepreciationPerMonth * Math.Min(monthsInService, LifeMonths)));
    }

    /// <summary>
    /// Cost per million tokens when <paramref name="gpus"/> GPUs together serve <paramref name="tokensPerSecond"/>:
    /// GPUs × cost per GPU-hour / (tokens per hour / 10⁶). Null when nothing is served.
    /// </summary>
    public decimal? CostPerMillionTokens(int gpus, double tokensPerSecond)
    {
        if (tokensPerSecond <= 0 || !double.IsFinite(tokensPerSecond))
        {
            return null;
        }

        var millionTokensPerHour = (decimal)(tokensPerSecond * 3600 / 1e6);
        return gpus * CostPerGpuHour / millionTokensPerHour;
    }
}
