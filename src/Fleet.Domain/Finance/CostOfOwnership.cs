using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Models;

namespace Fleet.Domain.Finance;

/// <summary>A datacenter's power terms: its PUE and what one kWh costs there, in <see cref="Currency"/>.</summary>
public sealed record PowerTerms(decimal Pue, decimal PricePerKwh, string Currency);

/// <summary>
/// The decode operating point a cost per token is stated at: <see cref="Batch"/> sequences decoding together, each
/// holding <see cref="Context"/> tokens of context on average (so Σctx = batch × context).
/// </summary>
public sealed record OperatingPoint(double Batch, double Context)
{
    /// <summary>The point finance states cost per token at when none is asked for (shown in the report's notes).</summary>
    public static OperatingPoint FinanceDefault { get; } = new(32, 1024);

    /// <summary>Output tokens per second one card decodes at this point under <paramref name="fit"/>: batch ÷ (a + b·Σctx + c·batch).</summary>
    public double TokensPerSecond(DecodeFit fit)
    {
        var seconds = fit.A + (fit.B * Batch * Context) + (fit.C * Batch);
        return seconds > 0 && double.IsFinite(seconds) ? Batch / seconds : 0;
    }

    /// <summary>Throws unless the batch and context are positive and finite.</summary>
    public OperatingPoint Validated()
    {
        if (!(Batch >= 1) || !double.IsFinite(Batch) || !(Context >= 0) || !double.IsFinite(Context))
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture,
                $"An operating point needs a batch of at least 1 and a context of at least 0 tokens, got batch {Batch}, context {Context}."));
        }

        return this;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"batch {Batch:0.#}, context {Context:N0} tokens");
}

/// <summary>What one card cost over a period: its hours in it, its depreciation charges, the IT energy it drew.</summary>
/// <param name="Measured">Whether <see cref="EnergyKwh"/> comes from measured energy rather than TDP × load.</param>
public readonly record struct CardCost(double Hours, decimal Depreciation, decimal EnergyKwh, bool Measured);

/// <summary>
/// What some cards cost over a period, before dividing by hours or tokens. Power is null when it cannot be added to
/// the cards' money (the datacenter bills in another currency); then nothing that includes it is stated either.
/// </summary>
public sealed record PeriodCost(int Cards, double GpuHours, decimal Depreciation, decimal EnergyKwh, decimal? Power, decimal Overhead)
{
    /// <summary>Depreciation + power + overhead; null without power.</summary>
    public decimal? Total => Power is { } p ? Depreciation + p + Overhead : null;

    /// <summary>Total ÷ GPU-hours, to four decimals.</summary>
    public decimal? PerGpuHour => Total is { } t && GpuHours > 0 ? Math.Round(t / (decimal)GpuHours, 4) : null;

    /// <summary>
    /// Total ÷ the million tokens the cards would produce over their hours at <paramref name="tokensPerSecondPerGpu"/>
    /// each, to four decimals; null without a total or a positive rate.
    /// </summary>
    public decimal? PerMillionTokens(double tokensPerSecondPerGpu) =>
        Total is { } t && GpuHours > 0 && tokensPerSecondPerGpu > 0 && double.IsFinite(tokensPerSecondPerGpu)
            ? Math.Round(t / (decimal)(GpuHours * tokensPerSecondPerGpu * 3600 / 1e6), 4)
            : null;

    /// <summary>The cost of both sets of cards together; power stays null if either lacks it.</summary>
    public static PeriodCost operator +(PeriodCost x, PeriodCost y) => new(x.Cards + y.Cards, x.GpuHours + y.GpuHours,
        x.Depreciation + y.Depreciation, x.EnergyKwh + y.EnergyKwh, x.Power is { } a && y.Power is { } b ? a + b : null, x.Overhead + y.Overhead);
}

/// <summary>What a planned purchase costs: the capex, one calendar month's opex, and cost per million tokens at an operating point.</summary>
public sealed record PlanCost
{
    public required string GpuModel { get; init; }
    public required int Count { get; init; }
    public required string Currency { get; init; }
    public required decimal UnitPrice { get; init; }
    /// <summary>Count × unit price.</summary>
    public required decimal Capex { get; init; }
    /// <summary>The first day of the month the opex is stated for.</summary>
    public required DateOnly Month { get; init; }
    public required double LoadFactor { get; init; }
    /// <summary>The month's figures for all the cards (hours are the month's calendar hours × count).</summary>
    public required PeriodCost Period { get; init; }
    /// <summary>Depreciation + power + overhead for the month; null when the power is billed in another currency.</summary>
    public decimal? MonthlyOpex => Period.Total;
    public decimal? CostPerGpuHour => Period.PerGpuHour;
    /// <summary>Per card, at the operating point; null when none was given.</summary>
    public double? TokensPerSecondPerGpu { get; init; }
    public decimal? CostPerMillionTokens => TokensPerSecondPerGpu is { } t ? Period.PerMillionTokens(t) : null;
}

/// <summary>
/// The one cost-of-ownership model, used by the capacity planner and by every finance report: depreciation per policy
/// (<see cref="Finance.Depreciation"/>, full-month convention), actual unit cost for owned cards and quote or catalog
/// price for planned ones, power from measured energy where there is some and TDP × a stated load factor otherwise,
/// times the datacenter's PUE and price per kWh, over the real calendar hours of the period (never a 730-hour month).
/// Cost per million tokens is stated at an <see cref="OperatingPoint"/> from the profile's decode fit, every card
/// counted as decoding at that point for all its hours.
/// </summary>
public static class CostOfOwnership
{
    /// <summary>Share of TDP a card is assumed to draw on average when nothing measured it.</summary>
    public const double DefaultLoadFactor = 0.7;

    /// <summary>Calendar hours from the start of <paramref name="from"/> to the end of <paramref name="to"/>.</summary>
    public static double CalendarHours(DateOnly from, DateOnly to) => Math.Max(0, to.DayNumber - from.DayNumber + 1) * 24.0;

    /// <summary>Calendar hours of the month that contains <paramref name="month"/>.</summary>
    public static double MonthHours(DateOnly month) => DateTime.DaysInMonth(month.Year, month.Month) * 24.0;

    /// <summary>
    /// IT energy of a card over <paramref name="hours"/>: its measured average draw (kWh over the hours the readings
    /// cover) when there are readings, else TDP × <paramref name="loadFactor"/>.
    /// </summary>
    public static (decimal Kwh, bool Measured) Energy(int tdpW, double loadFactor, double hours, double? measuredKwh = null, double? measuredHours = null) =>
        measuredKwh is { } kwh && measuredHours is > 0
            ? ((decimal)(kwh / measuredHours.Value * hours), true)
            : ((decimal)(tdpW * loadFactor * hours / 1000.0), false);

    /// <summary>What the facility pays for <paramref name="itKwh"/> at the cards: energy × PUE × price per kWh, to cents.</summary>
    public static decimal PowerCost(decimal itKwh, PowerTerms power) => Math.Round(itKwh * power.Pue * power.PricePerKwh, 2);

    /// <summary>
    /// One owned card over [<paramref name="from"/>, <paramref name="to"/>] (whole days): the depreciation charges
    /// that fell due in it and the energy of the <paramref name="hours"/> it was held in it.
    /// </summary>
    public static CardCost Card(decimal unitCost, DateOnly depreciationStart, DepreciationTerms policy, DateOnly from, DateOnly to, double hours,
        int tdpW, double loadFactor, double? measuredKwh = null, double? measuredHours = null)
    {
        var depreciation = Depreciation.Accumulated(unitCost, depreciationStart, to, policy)
            - Depreciation.Accumulated(unitCost, depreciationStart, from.AddDays(-1), policy);
        var (kwh, measured) = Energy(tdpW, loadFactor, hours, measuredKwh, measuredHours);
        return new CardCost(hours, depreciation, kwh, measured);
    }

    /// <summary>
    /// The period cost of some cards from their summed figures. Power is added only when the datacenter bills in the
    /// cards' <paramref name="currency"/> (null <paramref name="power"/> or another currency leaves it null).
    /// </summary>
    public static PeriodCost Period(int cards, double gpuHours, decimal depreciation, decimal energyKwh, string currency, PowerTerms? power,
        decimal overheadPerGpuHour = 0m) =>
        new(cards, gpuHours, depreciation, energyKwh,
            power is not null && string.Equals(power.Currency, currency, StringComparison.OrdinalIgnoreCase) ? PowerCost(energyKwh, power) : null,
            Math.Round(overheadPerGpuHour * (decimal)gpuHours, 2));

    /// <summary>
    /// Prices a capacity answer: <paramref name="count"/> new cards of <paramref name="gpu"/> at
    /// <paramref name="unitPrice"/> (the latest quote, else the catalog price) in <paramref name="currency"/>, in a
    /// datacenter with <paramref name="power"/>, depreciated under <paramref name="policy"/>. Monthly opex is the
    /// calendar month containing <paramref name="month"/>, in which every card bears a month's charge of its life
    /// (the first) and draws TDP × <paramref name="loadFactor"/> (or <paramref name="averageWatts"/> when measured
    /// on cards like them) for all the month's hours. Cost per million tokens is at
    /// <paramref name="tokensPerSecondPerGpu"/> (<see cref="OperatingPoint.TokensPerSecond"/> of the profile's fit).
    /// Finance's report over the same cards, month and operating point gives the same figures.
    /// </summary>
    public static PlanCost ForPlan(GpuModel gpu, int count, decimal unitPrice, string currency, PowerTerms power, DepreciationTerms policy,
        DateOnly month, double? tokensPerSecondPerGpu = null, double loadFactor = DefaultLoadFactor, decimal overheadPerGpuHour = 0m,
        double? averageWatts = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (unitPrice < 0)
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture, $"A unit price cannot be negative, got {unitPrice}."));
        }

        if (loadFactor is < 0 or > 1.5 || !double.IsFinite(loadFactor))
        {
            throw new DomainException(string.Create(CultureInfo.InvariantCulture, $"A load factor must be between 0 and 1.5, got {loadFactor}."));
        }

        var first = new DateOnly(month.Year, month.Month, 1);
        var hours = MonthHours(first);
        var charge = Depreciation.AccumulatedAfter(unitPrice, policy, 1);
        var (kwh, _) = averageWatts is { } w ? Energy(0, 0, hours, w * hours / 1000.0, hours) : Energy(gpu.TdpW, loadFactor, hours);
        return new PlanCost
        {
            GpuModel = gpu.Name,
            Count = count,
            Currency = currency,
            UnitPrice = unitPrice,
            Capex = count * unitPrice,
            Month = first,
            LoadFactor = loadFactor,
            Period = Period(count, count * hours, count * charge, count * kwh, currency, power, overheadPerGpuHour),
            TokensPerSecondPerGpu = tokensPerSecondPerGpu,
        };
    }
}
