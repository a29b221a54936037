using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Fleet.Domain.Inventory;

/// <summary>What a card's serial may be, wherever it enters the fleet: an import, a delivery, an RMA replacement.</summary>
public static partial class GpuSerial
{
    public const int MaxLength = 64;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "A serial is 1–64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit.";

    /// <summary>True when <paramref name="serial"/> (already trimmed) follows <see cref="Rule"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? serial) => serial is not null && Pattern().IsMatch(serial);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
