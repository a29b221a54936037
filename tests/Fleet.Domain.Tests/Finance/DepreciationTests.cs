using Fleet.Domain.Finance;

namespace Fleet.Domain.Tests.Finance;

/// <summary>Every expected figure below is worked out by hand in the comment beside it.</summary>
public class DepreciationTests
{
    private static readonly DepreciationTerms s_36Months = new(36);

    [Fact]
    public void Accumulated_BeforeFirstMonthEnds_IsZero()
    {
        // In service 15 Jan 2024 → first charged month is February 2024; February has not ended on the 28th (2024 is a leap year).
        Assert.Equal(0m, Depreciation.Accumulated(36_000m, new DateOnly(2024, 1, 15), new DateOnly(2024, 1, 31), s_36Months));
        Assert.Equal(0m, Depreciation.Accumulated(36_000m, new DateOnly(2024, 1, 15), new DateOnly(2024, 2, 28), s_36Months));
    }

    [Fact]
    public void Accumulated_OnLeapDay_CountsFebruary()
    {
        // 36,000 / 36 = 1,000 a month; February 2024 ends on the 29th.
        Assert.Equal(1_000m, Depreciation.Accumulated(36_000m, new DateOnly(2024, 1, 15), new DateOnly(2024, 2, 29), s_36Months));
    }

    [Fact]
    public void Accumulated_DayBeforeMonthEnd_CountsOnlyEndedMonths()
    {
        // Feb ended, March not yet on the 30th: one month. On the 31st: two.
        Assert.Equal(1_000m, Depreciation.Accumulated(36_000m, new DateOnly(2024, 1, 15), new DateOnly(2024, 3, 30), s_36Months));
        Assert.Equal(2_000m, Depreciation.Accumulated(36_000m, new DateOnly(2024, 1, 15), new DateOnly(2024, 3, 31), s_36Months));
    }

    [Fact]
    public void Accumulated_BoughtOnLastDayOfMonth_StartsNextMonth()
    {
        // Received 31 May 2023 → June is the first charged month; on 30 June one month of 1,000 has accrued.
        Assert.Equal(0m, Depreciation.Accumulated(36_000m, new DateOnly(2023, 5, 31), new DateOnly(2023, 5, 31), s_36Months));
        Assert.Equal(1_000m, Depreciation.Accumulated(36_000m, new DateOnly(2023, 5, 31), new DateOnly(2023, 6, 30), s_36Months));
    }

    [Fact]
    public void BookValue_FullyDepreciated_StaysAtZero()
    {
        // Start 10 Jan 2020 → Feb 2020 … Jan 2023 are the 36 months; from 31 Jan 2023 on, book value is 0.
        var start = new DateOnly(2020, 1, 10);
        Assert.Equal(1_000m, Depreciation.BookValue(36_000m, start, new DateOnly(2022, 12, 31), s_36Months));
        Assert.Equal(0m, Depreciation.BookValue(36_000m, start, new DateOnly(2023, 1, 31), s_36Months));
        Assert.Equal(0m, Depreciation.BookValue(36_000m, start, new DateOnly(2030, 6, 15), s_36Months));
    }

    [Fact]
    public void BookValue_SalvagePercent_StopsAtFloor()
    {
        // 10 % of 10,000 = 1,000 salvage; 9,000 over 60 months = 150 a month. After 12 months: 10,000 − 1,800 = 8,200.
        var terms = new DepreciationTerms(60, SalvagePercent: 10m);
        var start = new DateOnly(2022, 12, 5);
        Assert.Equal(8_200m, Depreciation.BookValue(10_000m, start, new DateOnly(2023, 12, 31), terms));
        Assert.Equal(1_000m, Depreciation.BookValue(10_000m, start, new DateOnly(2040, 1, 1), terms));
    }

    [Fact]
    public void Salvage_AmountSet_WinsOverPercent()
    {
        // Amount 2,500 beats 10 %; (10,000 − 2,500) / 50 = 150 a month, so 3 months = 450.
        var terms = new DepreciationTerms(50, SalvageAmount: 2_500m, SalvagePercent: 10m);
        Assert.Equal(2_500m, Depreciation.Salvage(10_000m, terms));
        Assert.Equal(450m, Depreciation.Accumulated(10_000m, new DateOnly(2024, 1, 1), new DateOnly(2024, 4, 30), terms));
    }

    [Fact]
    public void Salvage_AboveCost_IsCappedSoNothingDepreciates()
    {
        var terms = new DepreciationTerms(36, SalvageAmount: 50_000m);
        Assert.Equal(1_000m, Depreciation.Salvage(1_000m, terms));
        Assert.Equal(1_000m, Depreciation.BookValue(1_000m, new DateOnly(2020, 1, 1), new DateOnly(2025, 1, 1), terms));
    }

    [Fact]
    public void ChargeForMonth_ThirdsOfAThousand_SumExactlyToCost()
    {
        // 1,000 over 3 months: accumulated 333.33, 666.67, 1,000.00 → charges 333.33, 333.34, 333.33.
        var terms = new DepreciationTerms(3);
        var start = new DateOnly(2024, 1, 20);
        var charges = new[] { 2, 3, 4, 5 }.Select(m => Depreciation.ChargeForMonth(1_000m, start, new DateOnly(2024, m, 1), terms)).ToArray();
        Assert.Equal([333.33m, 333.34m, 333.33m, 0m], charges);
        Assert.Equal(1_000m, charges.Sum());
    }

    [Fact]
    public void ChargeForMonth_InServiceMonth_IsZero()
    {
        Assert.Equal(0m, Depreciation.ChargeForMonth(36_000m, new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 1), s_36Months));
        Assert.Equal(1_000m, Depreciation.ChargeForMonth(36_000m, new DateOnly(2024, 1, 1), new DateOnly(2024, 2, 1), s_36Months));
    }

    [Fact]
    public void Accumulated_StartOnLeapDay_EndsTwelveMonthsLaterOnFebruary28()
    {
        // Start 29 Feb 2024 → March 2024 … February 2025 are the 12 months; 28 Feb 2025 is February's last day.
        var terms = new DepreciationTerms(12);
        Assert.Equal(11_000m, Depreciation.Accumulated(12_000m, new DateOnly(2024, 2, 29), new DateOnly(2025, 2, 27), terms));
        Assert.Equal(12_000m, Depreciation.Accumulated(12_000m, new DateOnly(2024, 2, 29), new DateOnly(2025, 2, 28), terms));
    }

    [Fact]
    public void Accumulated_ZeroLife_IsRefused()
    {
        Assert.Throws<DomainException>(() => Depreciation.Accumulated(1m, new DateOnly(2024, 1, 1), new DateOnly(2025, 1, 1), new DepreciationTerms(0)));
    }

    [Fact]
    public void PowerCost_H100AtSeventyPercentForThirtyDays_MatchesHandFigure()
    {
        // 700 W × 0.7 = 490 W; × 720 h = 352.8 kWh; × PUE 1.25 × 0.19 EUR = 83.79 EUR.
        var (kwh, measured) = CostOfOwnership.Energy(700, 0.7, 720);
        Assert.Equal(352.8m, Math.Round(kwh, 6));
        Assert.False(measured);
        Assert.Equal(83.79m, CostOfOwnership.PowerCost(kwh, new PowerTerms(1.25m, 0.19m, "EUR")));
    }

    [Fact]
    public void HoursInMonth_LeapFebruary_Is696()
    {
        Assert.Equal(29 * 24, CostOfOwnership.MonthHours(new DateOnly(2024, 2, 10)));
        Assert.Equal(28 * 24, CostOfOwnership.MonthHours(new DateOnly(2023, 2, 10)));
    }
}
