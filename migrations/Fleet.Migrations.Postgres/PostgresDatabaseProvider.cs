using Fleet.Data;
using Fleet.Data.Bulk;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;
using NpgsqlTypes;

namespace Fleet.Migrations.Postgres;

/// <summary>The production store: PostgreSQL through Npgsql, binary COPY for bulk writes.</summary>
public sealed class PostgresDatabaseProvider : IDatabaseProvider
{
    public const string ProviderName = DatabaseProviderNames.Postgres;

    /// <inheritdoc/>
    public string Name => ProviderName;

    /// <inheritdoc/>
    public IBulkWriter BulkWriter { get; } = new PostgresCopyBulkWriter();

    /// <inheritdoc/>
    public void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder
            .UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(PostgresDatabaseProvider).Assembly.GetName().Name))
            .UseFleetConventions();

    /// <inheritdoc/>
    public Task RefreshStatisticsAsync(FleetDbContext db, CancellationToken ct) => db.Database.ExecuteSqlRawAsync("ANALYZE", ct);

    /// <inheritdoc/>
    public DatabaseErrorKind Classify(Exception exception)
    {
        foreach (var e in DatabaseErrors.Chain(exception))
        {
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }:
                    return DatabaseErrorKind.UniqueViolation;
                // 08 connection, 53 insufficient resources, 57P operator intervention (shutdown, cannot connect now), 3D000 no such database.
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
                    || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState == PostgresErrorCodes.InvalidCatalogName:
                    return DatabaseErrorKind.Unavailable;
                case PostgresException:
                    return DatabaseErrorKind.Other;
                case NpgsqlException { IsTransient: true } or TimeoutException:
                    return DatabaseErrorKind.Unavailable;
            }
        }

        return DatabaseErrorKind.Other;
    }
}

/// <summary>Bulk insert through <c>COPY ... FROM STDIN (FORMAT BINARY)</c>.</summary>
public sealed class PostgresCopyBulkWriter : IBulkWriter
{
    /// <inheritdoc/>
    public async Task InsertAsync<T>(FleetDbContext db, IEnumerable<T> rows, CancellationToken ct) where T : class
    {
        var table = BulkTable.For<T>(db);
        if (db.Database.GetDbConnection() is not NpgsqlConnection connection)
        {
            throw new InvalidOperationException("The PostgreSQL bulk writer needs an Npgsql connection.");
        }

        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        var copy = $"COPY \"{table.Table}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT BINARY)";
        await using var importer = await connection.BeginBinaryImportAsync(copy, ct);
        // A million-row COPY outlasts the default 30 s command timeout while indexes are maintained; cancellation still works.
        importer.Timeout = TimeSpan.FromMinutes(30);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            foreach (var value in table.Values(row))
            {
                await WriteAsync(importer, value, ct);
            }
        }

        await importer.CompleteAsync(ct);
    }

    private static Task WriteAsync(NpgsqlBinaryImporter importer, object? value, CancellationToken ct) => value switch
    {
        null => importer.WriteNullAsync(ct),
        string s => importer.WriteAsync(s, NpgsqlDbType.Text, ct),
        int i => importer.WriteAsync(i, NpgsqlDbType.Integer, ct),
        long l => importer.WriteAsync(l, NpgsqlDbType.Bigint, ct),
        decimal d => importer.WriteAsync(d, NpgsqlDbType.Numeric, ct),
        double d => importer.WriteAsync(d, NpgsqlDbType.Double, ct),
        bool b => importer.WriteAsync(b, NpgsqlDbType.Boolean, ct),
        DateTime t => importer.WriteAsync(t, NpgsqlDbType.TimestampTz, ct),
        Guid g => importer.WriteAsync(g, NpgsqlDbType.Uuid, ct),
        _ => throw new NotSupportedException($"Bulk COPY cannot write a {value.GetType().Name}."),
    };
}

/// <summary>Lets <c>dotnet ef</c> build the model for this migration set (no server needed to add a migration).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<FleetDbContext>
{
    public FleetDbContext CreateDbContext(string[] args) =>
        new(new PostgresDatabaseProvider().CreateOptions("Host=localhost;Database=fleet_design;Username=fleet;Password=fleet"));
}
