using System.Diagnostics.CodeAnalysis;

namespace Fleet.Domain;

/// <summary>
/// A three-letter ISO 4217 currency code such as <c>USD</c>: the one definition procurement, the CSV import, finance and
/// the planner check a currency against. Always upper case; <see cref="TryParse"/> trims and upper-cases what a person
/// typed, <see cref="TryParseExact"/> takes only the canonical form.
/// </summary>
public readonly record struct CurrencyCode
{
    /// <summary>The number of letters in a code, and so the width of every currency column.</summary>
    public const int Length = 3;

    private readonly string? _value;

    private CurrencyCode(string value) => _value = value;

    /// <summary>The code's three upper-case letters (<c>""</c> for <c>default</c>).</summary>
    public string Value => _value ?? "";

    /// <summary>True when <paramref name="text"/>, trimmed and upper-cased, is three letters A–Z.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out CurrencyCode code) =>
        TryParseExact(text?.Trim().ToUpperInvariant(), out code);

    /// <summary>True when <paramref name="text"/> is exactly three letters A–Z, as stored (no trimming, no case folding).</summary>
    public static bool TryParseExact([NotNullWhen(true)] string? text, out CurrencyCode code)
    {
        if (text is { Length: Length } && text.All(char.IsAsciiLetterUpper))
        {
            code = new CurrencyCode(text);
            return true;
        }

        code = default;
        return false;
    }

    /// <summary>The code <paramref name="text"/> names (trimmed, upper-cased); throws <see cref="DomainException"/> when it names none.</summary>
    public static CurrencyCode Parse(string? text) => TryParse(text, out var code)
        ? code
        : throw new DomainException($"currency must be a three-letter ISO code such as USD or EUR, got '{text}'.");

    public override string ToString() => Value;
}
