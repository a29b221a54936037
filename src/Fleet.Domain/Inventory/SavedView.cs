namespace Fleet.Domain.Inventory;

/// <summary>
/// A user's named inventory view ("Failed H100s in IAD1"): the grid's query string (filters, sort, columns), kept for
/// that user only. Names are unique per owner, ignoring case.
/// </summary>
public class SavedView
{
    public const int MaxNameLength = 100;
    public const int MaxQueryLength = 2000;

    private SavedView()
    {
    }

    public int Id { get; private set; }

    /// <summary>Whose view it is: the user's id, or for an API token its name.</summary>
    public string Owner { get; private set; } = "";

    public string Name { get; private set; } = "";

    /// <summary>The name upper-cased: what the unique index compares, so "Failed H100s" and "failed h100s" clash.</summary>
    public string NormalizedName { get; private set; } = "";

    /// <summary>The grid's query string without the leading <c>?</c>, e.g. <c>status=Failed&amp;sort=-receivedAt</c>.</summary>
    public string Query { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }

    /// <summary>A new view; refused with a message when the name is empty or too long, or the query too long.</summary>
    public static SavedView Create(string owner, string? name, string? query, DateTime nowUtc)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new DomainException("Give the view a name.");
        }

        if (trimmed.Length > MaxNameLength)
        {
            throw new DomainException($"A view's name is at most {MaxNameLength} characters, got {trimmed.Length}.");
        }

        var q = (query ?? "").Trim().TrimStart('?');
        if (q.Length > MaxQueryLength)
        {
            throw new DomainException($"A view's query is at most {MaxQueryLength} characters, got {q.Length}.");
        }

        return new SavedView { Owner = owner, Name = trimmed, NormalizedName = Normalize(trimmed), Query = q, CreatedAt = nowUtc };
    }

    public static string Normalize(string name) => name.Trim().ToUpperInvariant();
}
