using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Models;

namespace Fleet.Domain.Tests.Finance;

/// <summary>Every expected figure below is worked out by hand in the comment beside it.</summary>
public class CostOfOwnershipTests
{
    private static readonly GpuModel s_h100 = GpuCatalog.Find("H100 SXM5 80GB")!;
    private static readonly PowerTerms s_iad = new(1.35m, 0.08m, "USD");
    private static readonly DecodeFit s_fit = new(0.008, 0.000001, 0.0001);

    [Fact]
    public void TokensPerSecond_Batch32Context1024_IsBatchOverFittedStep()
    {
        // Σctx = 32 × 1,024 = 32,768; t = 0.008 + 0.000001 × 32,768 + 0.0001 × 32 = 0.008 + 0.032768 + 0.0032 = 0.043968 s;
        // 32 tokens per step → 32 / 0.043968 = 727.802 tokens/s.
        Assert.Equal(727.802, new OperatingPoint(32, 1024).TokensPerSecond(s_fit), 3);
        // Batch 1 at context 0: t = 0.008 + 0.0001 = 0.0081 s → 123.457 tokens/s.
        Assert.Equal(123.457, new OperatingPoint(1, 0).TokensPerSecond(s_fit), 3);
    }

    [Fact]
    public void ForPlan_TenH100InJune_CapexOpexAndCostPerMillionTokens()
    {
        var plan = CostOfOwnership.ForPlan(s_h100, 10, 30_000m, "USD", s_iad, new DepreciationTerms(60, null, 10m), new DateOnly(2026, 6, 15),
            new OperatingPoint(32, 1024).TokensPerSecond(s_fit));

        // Capex 10 × 30,000 = 300,000. Depreciation: (30,000 − 10 % salvage 3,000) / 60 = 450 a card → 4,500.
        Assert.Equal(300_000m, plan.Capex);
        Assert.Equal(new DateOnly(2026, 6, 1), plan.Month);
        Assert.Equal(4_500m, plan.Period.Depreciation);
        // June has 30 days = 720 h → 7,200 GPU-hours; 700 W × 0.7 × 720 h = 352.8 kWh a card → 3,528 kWh;
        // × PUE 1.35 × 0.08 USD = 381.024 → 381.02.
        Assert.Equal(7_200.0, plan.Period.GpuHours);
        Assert.Equal(3_528m, plan.Period.EnergyKwh);
        Assert.Equal(381.02m, plan.Period.Power);
        // Opex 4,500 + 381.02 = 4,881.02; per GPU-hour 4,881.02 / 7,200 = 0.67792 → 0.6779.
        Assert.Equal(4_881.02m, plan.MonthlyOpex);
        Assert.Equal(0.6779m, plan.CostPerGpuHour);
        // 727.802 tokens/s × 3,600 = 2.62009 M tokens a GPU-hour × 7,200 = 18,864.63 M tokens → 4,881.02 / 18,864.63 = 0.25874.
        Assert.Equal(0.2587m, plan.CostPerMillionTokens);
    }

    [Fact]
    public void ForPlan_LeapFebruary_UsesTheMonthsCalendarHours()
    {
        var plan = CostOfOwnership.ForPlan(s_h100, 10, 30_000m, "USD", s_iad, new DepreciationTerms(60, null, 10m), new DateOnly(2028, 2, 1),
            new OperatingPoint(32, 1024).TokensPerSecond(s_fit));

        // February 2028 has 29 days = 696 h (not 730): 10 × 490 W × 696 h = 3,410.4 kWh × 1.35 × 0.08 = 368.3232 → 368.32.
        Assert.Equal(6_960.0, plan.Period.GpuHours);
        Assert.Equal(368.32m, plan.Period.Power);
        // (4,500 + 368.32) / 6,960 = 0.69947 → 0.6995; per million: 4,868.32 / (6,960 × 2.62009) = 0.26696 → 0.2670.
        Assert.Equal(0.6995m, plan.CostPerGpuHour);
        Assert.Equal(0.2670m, plan.CostPerMillionTokens);
    }

    [Fact]
    public void ForPlan_PowerBilledInAnotherCurrency_LeavesOpexEmpty()
    {
        var plan = CostOfOwnership.ForPlan(s_h100, 2, 30_000m, "USD", new PowerTerms(1.25m, 0.19m, "EUR"), new DepreciationTerms(60), new DateOnly(2026, 6, 1), 500);

        Assert.Equal(60_000m, plan.Capex);
        Assert.Equal(1_000m, plan.Period.Depreciation);   // 30,000 / 60 = 500 a card
        Assert.Null(plan.Period.Power);
        Assert.Null(plan.MonthlyOpex);
        Assert.Null(plan.CostPerMillionTokens);
    }

    [Fact]
    public void Card_JuneWithHalfMonthOfReadings_ChargesTheMonthAndScalesMeasuredEnergy()
    {
        // 36,000 over 36 months = 1,000 for June; readings: 200 kWh over 360 h → 0.5556 kW × 720 h = 400 kWh.
        var card = CostOfOwnership.Card(36_000m, new DateOnly(2024, 1, 15), new DepreciationTerms(36), new DateOnly(2024, 6, 1), new DateOnly(2024, 6, 30),
            720, 700, 0.7, measuredKwh: 200, measuredHours: 360);
        // Without readings: 700 W × 0.7 × 720 h = 352.8 kWh.
        var estimated = CostOfOwnership.Card(36_000m, new DateOnly(2024, 1, 15), new DepreciationTerms(36), new DateOnly(2024, 6, 1), new DateOnly(2024, 6, 30),
            720, 700, 0.7);

        Assert.Equal((1_000m, 400m, true), (card.Depreciation, Math.Round(card.EnergyKwh, 6), card.Measured));
        Assert.Equal((352.8m, false), (estimated.EnergyKwh, estimated.Measured));
        Assert.Equal(720.0, CostOfOwnership.CalendarHours(new DateOnly(2024, 6, 1), new DateOnly(2024, 6, 30)));
    }

    [Fact]
    public void Period_SumOfTwoDatacenters_AddsFiguresAndKeepsMissingPowerMissing()
    {
        var iad = CostOfOwnership.Period(2, 1_440, 2_000m, 752.8m, "USD", s_iad);
        var fra = CostOfOwnership.Period(1, 720, 1_000m, 176.4m, "USD", new PowerTerms(1.25m, 0.19m, "EUR"));

        // 752.8 × 1.35 × 0.08 = 81.3024 → 81.30; total 2,081.30 / 1,440 h = 1.445347 → 1.4453.
        Assert.Equal(81.30m, iad.Power);
        Assert.Equal(1.4453m, iad.PerGpuHour);
        // 400 tokens/s × 1,440 h × 3,600 = 2,073.6 M tokens → 2,081.30 / 2,073.6 = 1.00371 → 1.0037.
        Assert.Equal(1.0037m, iad.PerMillionTokens(400));
        var both = iad + fra;
        Assert.Equal((3, 2_160.0, 3_000m), (both.Cards, both.GpuHours, both.Depreciation));
        Assert.Null(both.Power);
    }

    [Fact]
    public void OperatingPoint_ZeroBatch_IsRefused()
    {
        Assert.Throws<DomainException>(() => new OperatingPoint(0, 1024).Validated());
    }
}
