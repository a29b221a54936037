using Fleet.Data;
using Fleet.Data.Bulk;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

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
            .UseFleetConventions();
}

/// <summary>Lets <c>dotnet ef</c> build the model for this migration set.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<FleetDbContext>
{
    public FleetDbContext CreateDbContext(string[] args) =>
        new(new SqliteDatabaseProvider().CreateOptions("Data Source=design-time.db"));
}
