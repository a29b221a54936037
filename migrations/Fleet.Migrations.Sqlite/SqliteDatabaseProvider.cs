using System.Data.Common;
using System.Globalization;
using Fleet.Data;
using Fleet.Data.Bulk;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Fleet.Migrations.Sqlite;

/// <summary>The embedded default: a SQLite file, WAL journal, prepared-statement bulk writes.</summary>
public sealed class SqliteDatabaseProvider : IDatabaseProvider
{
    public const string ProviderName = DatabaseProviderNames.Sqlite;

    /// <inheritdoc/>
    public string Name => ProviderName;

    /// <inheritdoc/>
    public IBulkWriter BulkWriter { get; } = new PreparedInsertBulkWriter();

    /// <inheritdoc/>
    public void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder
            .UseSqlite(connectionString, o => o.MigrationsAssembly(typeof(SqliteDatabaseProvider).Assembly.GetName().Name))
            .AddInterceptors(ConnectionSettingsInterceptor.Instance)
            .UseFleetConventions();

    /// <summary>
    /// The SQLite file is the user's data: before pending migrations touch a file that already has some applied, it is
    /// copied (SQLite's online backup, consistent with the WAL) to <c>NAME.db.YYYYMMDDHHMMSS.LASTMIGRATION.bak</c> beside
    /// it. Write-ahead logging is set here, once; it is persistent in the file.
    /// </summary>
    public async Task<string?> PrepareForMigrationAsync(FleetDbContext db, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var file = new SqliteConnectionStringBuilder(connection.ConnectionString).DataSource;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                await wal.ExecuteNonQueryAsync(ct);
            }

            var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
            var pending = await db.Database.GetPendingMigrationsAsync(ct);
            if (applied.Count == 0 || !pending.Any() || string.IsNullOrEmpty(file) || file == ":memory:")
            {
                return null;
            }

            var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var backup = $"{Path.GetFullPath(file)}.{stamp}.{applied[^1]}.bak";
            await using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = backup, Pooling = false }.ToString());
            await target.OpenAsync(ct);
            connection.BackupDatabase(target);
            return backup;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

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

/// <summary>
/// Per-connection settings: a busy wait instead of "database is locked", and NORMAL sync (safe under the WAL, which
/// <see cref="SqliteDatabaseProvider.PrepareForMigrationAsync"/> sets once per file).
/// </summary>
internal sealed class ConnectionSettingsInterceptor : DbConnectionInterceptor
{
    public static readonly ConnectionSettingsInterceptor Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=15000; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
