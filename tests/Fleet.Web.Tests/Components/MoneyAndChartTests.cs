using System.Globalization;
using Fleet.Web.Components.Shared;

namespace Fleet.Web.Tests.Components;

/// <summary>Amounts per currency and culture; chart value axes that fit their data.</summary>
public sealed class MoneyAndChartTests
{
    private static NumberFormatInfo Separators(string decimalSeparator, string groupSeparator) => new()
    {
        NumberDecimalSeparator = decimalSeparator, NumberGroupSeparator = groupSeparator,
    };

    [Theory]
    [InlineData(1234.5, "USD", "1,234.50 USD")]
    [InlineData(149999.5, "JPY", "150,000 JPY")]
    [InlineData(1234.5678, "BHD", "1,234.568 BHD")]
    [InlineData(-0.005, "USD", "-0.01 USD")]
    [InlineData(0, "EUR", "0.00 EUR")]
    public void Format_InvariantCulture_CurrencysOwnDecimals(double amount, string currency, string expected) =>
        Assert.Equal(expected, Money.Format((decimal)amount, currency, CultureInfo.InvariantCulture));

    [Fact]
    public void Format_CultureWithCommaDecimals_UsesItsSeparators() =>
        Assert.Equal("1.234.567,89 EUR", Money.Format(1234567.891m, "EUR", Separators(",", ".")));

    [Fact]
    public void Format_ConfiguredEurStyle_EurWithItsSeparatorsOthersUnchanged()
    {
        var money = new Money(new MoneyOptions
        {
            Culture = "",
            Currencies = { ["EUR"] = new CurrencyStyle { DecimalSeparator = ",", GroupSeparator = "." }, ["CHF"] = new CurrencyStyle { Decimals = 0 } },
        });

        Assert.Equal("98.765,40 EUR", money.Format(98765.4m, "eur"));
        Assert.Equal("98,765.40 USD", money.Format(98765.4m, "USD"));
        Assert.Equal("3,000,000 JPY", money.Format(3_000_000m, "JPY"));
        Assert.Equal("1,235 CHF", money.Format(1234.5m, "CHF"));
        Assert.Equal("98.765,40", money.Number(98765.4m, "EUR"));
        Assert.Equal("", money.Format(null, "USD"));
    }

    [Theory]
    [InlineData(new[] { 1.02, 0.4 }, 1.2, 0.2)]
    [InlineData(new[] { 0.87 }, 1.0, 0.2)]
    [InlineData(new[] { 37_500.0, 12_000.0 }, 40_000.0, 10_000.0)]
    [InlineData(new[] { 20.0 }, 20.0, 5.0)]
    [InlineData(new[] { 3.0 }, 3.0, 0.5)]
    [InlineData(new double[0], 1.0, 1.0)]
    public void AxisScale_Values_RoundMaxJustAboveTheLargest(double[] values, double max, double step)
    {
        var scale = AxisScale.For(values);

        Assert.Equal(max, scale.Max, 9);
        Assert.Equal(step, scale.Step, 9);
    }

    [Fact]
    public void Bars_CostPerGpuHourAroundOne_AxisToOnePointTwoNotTwenty()
    {
        var (series, labels, options, scale) = ReadableChart.Bars([("USD", [1.02, 0.61, 0.75])], ["A100 SXM4 80GB", "H100 SXM5 80GB", "L40S"]);

        Assert.Equal(1.2, scale.Max, 9);
        // Drawn ten times larger so that MudBlazor's whole-number tick spacing can step by 0.2; labelled back in the data's units.
        Assert.Equal(2, options.YAxisTicks);
        Assert.Equal(12.0, options.YAxisSuggestedMax!.Value, 9);
        Assert.Equal("1.2", options.YAxisToStringFunc!(12.0));
        Assert.Equal("0.2", options.YAxisToStringFunc!(2.0));
        Assert.Equal(3, labels.Length);
        Assert.Single(series);
        Assert.Equal(45, options.XAxisLabelRotation);
    }

    [Fact]
    public void Bars_SixtyMonths_LabelsThinnedSoTheyDoNotOverlap()
    {
        var months = Enumerable.Range(0, 60).Select(i => new DateOnly(2024, 1, 1).AddMonths(i).ToString("yyyy-MM", CultureInfo.InvariantCulture)).ToArray();

        var (_, labels, _, _) = ReadableChart.Bars([("USD", months.Select(_ => 1000.0).ToList())], months);

        Assert.Equal(60, labels.Length);
        Assert.InRange(labels.Count(l => l.Length > 0), 2, ReadableChart.MaxLabels);
        Assert.Equal("2024-01", labels[0]);
    }
}
