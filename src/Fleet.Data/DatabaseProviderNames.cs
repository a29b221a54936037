using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Fleet.Data;

/// <summary>The two stores' names, as <c>Database:Provider</c> and <see cref="IDatabaseProvider.Name"/> spell them.</summary>
public static class DatabaseProviderNames
{
    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    // EF Core's ProviderName is the provider package's assembly name; Fleet.Data references neither package.
    private const string EfSqlite = "Microsoft.EntityFrameworkCore.Sqlite";
    private const string EfPostgres = "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>Which of the two stores <paramref name="database"/> runs on: <see cref="Sqlite"/>, <see cref="Postgres"/>, or null.</summary>
    public static string? Of(DatabaseFacade database) => database.ProviderName switch
    {
        EfSqlite => Sqlite,
        EfPostgres => Postgres,
        _ => null,
    };

    public static bool IsSqlite(DatabaseFacade database) => Of(database) == Sqlite;

    public static bool IsPostgres(DatabaseFacade database) => Of(database) == Postgres;
}
