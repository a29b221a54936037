using Fleet.Data;
using Fleet.Data.Bulk;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Fleet.Migrations.Sqlite;

/// <summary>The embedded default: a SQLite file, WAL journal, prepared-statement bulk writes.</summary>
public sealed class SqliteDatabaseProvider : IDatabaseProvider
{
    public const string ProviderName = "Sqlite";

    /// <inheritdoc/>
    public string Name => ProviderName;

    /// <inheritdoc/>
    public IBulkWriter BulkWriter { get; } = new PreparedInsertBulkWriter();

    /// <inheritdoc/>
    public void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder
            .UseSqlite(connectionString, o => o.MigrationsAssembly(typeof(SqliteDatabaseProvider).Assembly.GetName().Name))
            .AddInterceptors(WalInterceptor.Instance)
            .UseFleetConventions();

    /// <inheritdoc/>
    public DatabaseErrorKind Classify(Exception exception)
    {
        foreach (var e in DatabaseErrors.Chain(exception))
        {
            switch (e)
            {
                // SQLITE_CONSTRAINT with SQLITE_CONSTRAINT_UNIQUE (2067) or SQLITE_CONSTRAINT_PRIMARYKEY (1555).
                case SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 }:
                    return DatabaseErrorKind.UniqueViolation;
                // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, NOTADB: the file is not usable right now.
                case SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 or 26 }:
                    return DatabaseErrorKind.Unavailable;
                case SqliteException:
                    return DatabaseErrorKind.Other;
                case TimeoutException:
                    return DatabaseErrorKind.Unavailable;
            }
        }

        return DatabaseErrorKind.Other;
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model for this migration set.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<FleetDbContext>
{
    public FleetDbContext CreateDbContext(string[] args) =>
        new(new SqliteDatabaseProvider().CreateOptions("Data Source=design-time.db"));
}

/// <summary>Write-ahead logging lets readers go on while an import writes; a busy wait instead of "database is locked".</summary>
internal sealed class WalInterceptor : DbConnectionInterceptor
{
    public static readonly WalInterceptor Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=15000; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
