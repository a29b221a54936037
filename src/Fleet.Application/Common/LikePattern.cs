namespace Fleet.Application.Common;

/// <summary>A user's search term as a SQL <c>LIKE</c> pattern that matches it anywhere, its wildcards taken literally.</summary>
public static class LikePattern
{
    /// <summary>The escape character to pass to <c>EF.Functions.Like</c> with <see cref="Contains"/>.</summary>
    public const string Escape = "\\";

    /// <summary><c>%TERM%</c> for <c>upper(column) LIKE</c>: the term trimmed, upper-cased, with <c>%</c>, <c>_</c> and the escape escaped.</summary>
    public static string Contains(string term) =>
        "%" + term.Trim().ToUpperInvariant().Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
