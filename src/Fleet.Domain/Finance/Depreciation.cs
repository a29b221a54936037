namespace Fleet.Domain.Finance;

/// <summary>The depreciation terms applied to one card.</summary>
public sealed record DepreciationTerms(int LifeMonths, decimal? SalvageAmount = null, decimal SalvagePercent = 0m)
{
    public static DepreciationTerms Default { get; } = new(60);
}

/// <summary>
/// Straight-line depreciation under the full-month convention: a card put in service (or received, when it never was)
/// on any day of month M depreciates from month M+1; each month's charge is (cost − salvage) / life and falls due on
/// that month's last day, so the book value on a date counts every month that has ended on or before it. Accumulated
/// amounts are rounded to cents once (not per month), so the charges of a full life sum exactly to cost − salvage.
/// </summary>
public static class Depreciation
{
    /// <summary>The salvage floor: the fixed amount when set, else the percentage of cost; never above cost, never below zero.</summary>
    public static decimal Salvage(decimal cost, DepreciationTerms terms)
    {
        var salvage = terms.SalvageAmount ?? Math.Round(cost * terms.SalvagePercent / 100m, 2, MidpointRounding.AwayFromZero);
        return Math.Clamp(salvage, 0m, Math.Max(cost, 0m));
    }

    /// <summary>The first month that bears a charge: the month after <paramref name="start"/>.</summary>
    public static DateOnly FirstChargedMonth(DateOnly start) => new DateOnly(start.Year, start.Month, 1).AddMonths(1);

    /// <summary>How many monthly charges have fallen due on <paramref name="asOf"/> (not capped by the life).</summary>
    public static int MonthsElapsed(DateOnly start, DateOnly asOf)
    {
        var first = FirstChargedMonth(start);
        var lastEnded = asOf.Day == DateTime.DaysInMonth(asOf.Year, asOf.Month)
            ? new DateOnly(asOf.Year, asOf.Month, 1)
            : new DateOnly(asOf.Year, asOf.Month, 1).AddMonths(-1);
        var months = ((lastEnded.Year - first.Year) * 12) + lastEnded.Month - first.Month + 1;
        return Math.Max(0, months);
    }

    /// <summary>Depreciation accumulated after <paramref name="months"/> charges.</summary>
    public static decimal AccumulatedAfter(decimal cost, DepreciationTerms terms, int months)
    {
        if (terms.LifeMonths <= 0)
        {
            throw new DomainException($"A depreciation life must be at least one month, got {terms.LifeMonths}.");
        }

        var depreciable = cost - Salvage(cost, terms);
        if (months <= 0 || depreciable <= 0)
        {
            return 0m;
        }

        return months >= terms.LifeMonths
            ? depreciable
            : Math.Round(depreciable * months / terms.LifeMonths, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>Depreciation accumulated on <paramref name="asOf"/> for a card that started on <paramref name="start"/>.</summary>
    public static decimal Accumulated(decimal cost, DateOnly start, DateOnly asOf, DepreciationTerms terms) =>
        AccumulatedAfter(cost, terms, MonthsElapsed(start, asOf));

    /// <summary>Cost less accumulated depreciation on <paramref name="asOf"/>; never below the salvage floor.</summary>
    public static decimal BookValue(decimal cost, DateOnly start, DateOnly asOf, DepreciationTerms terms) =>
        cost - Accumulated(cost, start, asOf, terms);

    /// <summary>The charge for the calendar month that contains <paramref name="month"/>.</summary>
    public static decimal ChargeForMonth(decimal cost, DateOnly start, DateOnly month, DepreciationTerms terms)
    {
        var index = MonthsElapsed(start, LastDay(month));
        return AccumulatedAfter(cost, terms, index) - AccumulatedAfter(cost, terms, index - 1);
    }

    /// <summary>The last day of the month containing <paramref name="day"/>.</summary>
    public static DateOnly LastDay(DateOnly day) => new(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month));
}
