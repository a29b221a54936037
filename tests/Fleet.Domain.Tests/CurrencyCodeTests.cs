using Fleet.Domain;

namespace Fleet.Domain.Tests;

public sealed class CurrencyCodeTests
{
    [Theory]
    [InlineData("USD", "USD")]
    [InlineData(" eur ", "EUR")]
    [InlineData("jPy", "JPY")]
    public void TryParse_ThreeLetters_TrimsAndUpperCases(string text, string expected)
    {
        Assert.True(CurrencyCode.TryParse(text, out var code));
        Assert.Equal(expected, code.Value);
        Assert.Equal(expected, code.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("usd1")]
    [InlineData("US")]
    [InlineData("dollars")]
    [InlineData("U$D")]
    [InlineData("ÜSD")]
    [InlineData("12A")]
    public void TryParse_NotThreeLetters_IsRefused(string? text)
    {
        Assert.False(CurrencyCode.TryParse(text, out var code));
        Assert.Equal(default, code);
    }

    [Theory]
    [InlineData("usd")]
    [InlineData(" USD")]
    [InlineData("usd1")]
    [InlineData("")]
    public void TryParseExact_NotCanonical_IsRefused(string text) => Assert.False(CurrencyCode.TryParseExact(text, out _));

    [Fact]
    public void TryParseExact_Canonical_IsAccepted()
    {
        Assert.True(CurrencyCode.TryParseExact("CHF", out var code));
        Assert.Equal("CHF", code.Value);
    }

    [Fact]
    public void Equality_SameCodeWhateverTheCaseTyped_IsEqual()
    {
        Assert.Equal(CurrencyCode.Parse("usd"), CurrencyCode.Parse(" USD"));
        Assert.NotEqual(CurrencyCode.Parse("USD"), CurrencyCode.Parse("EUR"));
        Assert.Equal(CurrencyCode.Parse("usd").GetHashCode(), CurrencyCode.Parse("USD").GetHashCode());
    }

    [Fact]
    public void Parse_NotACode_ThrowsDomainExceptionNamingTheValue()
    {
        var e = Assert.Throws<DomainException>(() => CurrencyCode.Parse("usd1"));
        Assert.Contains("'usd1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("three-letter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_HasEmptyValue() => Assert.Equal("", default(CurrencyCode).ToString());
}
