namespace Fleet.Data;

/// <summary>What a database error means for the caller, whatever the provider.</summary>
public enum DatabaseErrorKind
{
    /// <summary>Anything else: a bug, logged and answered 500.</summary>
    Other,

    /// <summary>A unique index refused the row: another writer got there first (HTTP 409).</summary>
    UniqueViolation,

    /// <summary>The database cannot be reached, is shutting down, busy or out of resources: try again later (HTTP 503).</summary>
    Unavailable,
}

/// <summary>Walks an exception and its causes, so providers can find their own error inside EF Core's wrappers.</summary>
public static class DatabaseErrors
{
    public static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
