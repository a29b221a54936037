namespace Fleet.Web.Components.Shared;

/// <summary>How one currency's amounts are written: its decimals and, where configured, its separators.</summary>
public sealed class CurrencyStyle
{
    /// <summary>Digits after the decimal separator; the ISO 4217 minor unit when not set (JPY 0, BHD 3, most 2).</summary>
    public int? Decimals { get; set; }

    public string? DecimalSeparator { get; set; }

    public string? GroupSeparator { get; set; }
}

/// <summary><c>Fleet:Money</c>: the culture amounts are written in, and per-currency overrides (e.g. EUR's separators).</summary>
public sealed class MoneyOptions
{
    public const string Section = "Fleet:Money";

    /// <summary>
    /// A culture name (e.g. <c>en-US</c>, <c>de-DE</c>); empty means the request's culture. The app runs with invariant
    /// globalization, so a culture's separators come from <see cref="DecimalSeparator"/>/<see cref="GroupSeparator"/> or
    /// <see cref="Currencies"/>, and from the culture itself only where ICU is present.
    /// </summary>
    public string? Culture { get; set; }

    public string? DecimalSeparator { get; set; }

    public string? GroupSeparator { get; set; }

    /// <summary>Per ISO currency code: decimals and separators that override the culture's.</summary>
    public Dictionary<string, CurrencyStyle> Currencies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Amounts and totals written per currency and culture: one place for every page (orders, quotes, reports, RMA credit).</summary>
public sealed class Money(MoneyOptions options)
{
    private static readonly HashSet<string> NoMinorUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeMinorDigits = new(StringComparer.OrdinalIgnoreCase) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    /// <summary>The ISO 4217 minor unit of <paramref name="currency"/>: 0 for JPY, 3 for BHD, else 2.</summary>
    public static int MinorDigits(string? currency) =>
        currency is null ? 2 : NoMinorUnit.Contains(currency) ? 0 : ThreeMinorDigits.Contains(currency) ? 3 : 2;

    /// <summary>
    /// <paramref name="amount"/> with <paramref name="culture"/>'s group and decimal separators, the currency's decimals
    /// (rounded half away from zero), then the ISO code: <c>1,234.50 USD</c>, <c>1.234,50 EUR</c>, <c>150,000 JPY</c>.
    /// </summary>
    public static string Format(decimal amount, string? currency, IFormatProvider culture, int? decimals = null)
    {
        var digits = decimals ?? MinorDigits(currency);
        var rounded = Math.Round(amount, digits, MidpointRounding.AwayFromZero);
        var number = rounded.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), culture);
        return string.IsNullOrWhiteSpace(currency) ? number : $"{number} {currency.Trim().ToUpperInvariant()}";
    }

    /// <summary><paramref name="amount"/> in the configured (or the request's) culture with the currency's configured style.</summary>
    public string Format(decimal amount, string? currency)
    {
        var style = Style(currency);
        return Format(amount, currency, NumberFormat(style), style?.Decimals);
    }

    /// <summary>The number alone, as <see cref="Format(decimal, string?)"/> writes it (for a table with its own currency column).</summary>
    public string Number(decimal amount, string? currency)
    {
        var style = Style(currency);
        return Format(amount, null, NumberFormat(style), style?.Decimals ?? MinorDigits(currency));
    }

    /// <summary>A nullable amount: empty when there is none.</summary>
    public string Format(decimal? amount, string? currency) => amount is { } a ? Format(a, currency) : "";

    private CurrencyStyle? Style(string? currency) => currency is null ? null
        : options.Currencies.FirstOrDefault(c => string.Equals(c.Key, currency.Trim(), StringComparison.OrdinalIgnoreCase)).Value;

    private NumberFormatInfo NumberFormat(CurrencyStyle? style)
    {
        var culture = string.IsNullOrWhiteSpace(options.Culture) ? CultureInfo.CurrentCulture : CultureInfo.GetCultureInfo(options.Culture);
        var decimalSeparator = style?.DecimalSeparator ?? options.DecimalSeparator;
        var groupSeparator = style?.GroupSeparator ?? options.GroupSeparator;
        if (decimalSeparator is null && groupSeparator is null)
        {
            return culture.NumberFormat;
        }

        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        format.NumberDecimalSeparator = decimalSeparator ?? format.NumberDecimalSeparator;
        format.NumberGroupSeparator = groupSeparator ?? format.NumberGroupSeparator;
        return format;
    }
}
