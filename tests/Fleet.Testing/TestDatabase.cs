using Fleet.Data;
using Fleet.Migrations.Postgres;
using Fleet.Migrations.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Fleet.Testing;

/// <summary>What the environment asks of the tests: PostgreSQL and CUDA may skip on a laptop, never in CI.</summary>
public static class TestEnvironment
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool RequirePostgres => IsCi || Environment.GetEnvironmentVariable("FLEET_REQUIRE_POSTGRES") == "1";

    /// <summary>Server-level connection string of the throwaway PostgreSQL that tests/run.sh starts.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("FLEET_TEST_POSTGRES");
}

/// <summary>
/// A fresh, migrated database for one test: a copied SQLite file, or a PostgreSQL database cloned from a migrated template.
/// The real migrations are applied (once per run and provider), never EnsureCreated.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = SqliteDatabaseProvider.ProviderName;
    public const string Postgres = PostgresDatabaseProvider.ProviderName;

    private static readonly SemaphoreSlim s_templateLock = new(1, 1);
    private static string? s_sqliteTemplate;
    private static string? s_postgresTemplate;
    private readonly Func<Task> _drop;

    private TestDatabase(IDatabaseProvider provider, string connectionString, Func<Task> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public IDatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public string ProviderName => Provider.Name;

    public FleetDbContext CreateContext() => new(Provider.CreateOptions(ConnectionString));

    public static Task<TestDatabase> CreateAsync(string provider) => provider switch
    {
        Sqlite => CreateSqliteAsync(),
        Postgres => CreatePostgresAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown provider."),
    };

    public static async Task<TestDatabase> CreateSqliteAsync()
    {
        var provider = new SqliteDatabaseProvider();
        await s_templateLock.WaitAsync();
        try
        {
            if (s_sqliteTemplate is null)
            {
                var template = Path.Combine(Path.GetTempPath(), $"fleet-template-{Guid.NewGuid():N}.db");
                await using (var db = new FleetDbContext(provider.CreateOptions(SqliteFile(template))))
                {
                    await db.Database.MigrateAsync();
                }

                s_sqliteTemplate = template;
            }
        }
        finally
        {
            s_templateLock.Release();
        }

        var file = Path.Combine(Path.GetTempPath(), $"fleet-test-{Guid.NewGuid():N}.db");
        File.Copy(s_sqliteTemplate, file);
        return new TestDatabase(provider, SqliteFile(file, defaultTimeout: 30), () =>
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(f);
            }

            return Task.CompletedTask;
        });
    }

    public static async Task<TestDatabase> CreatePostgresAsync()
    {
        var server = TestEnvironment.PostgresServer;
        if (string.IsNullOrWhiteSpace(server))
        {
            if (TestEnvironment.RequirePostgres)
            {
                throw new InvalidOperationException(
                    "PostgreSQL is required here (CI=true or FLEET_REQUIRE_POSTGRES=1) but FLEET_TEST_POSTGRES is not set. Run ./tests/run.sh.");
            }

            Skip.If(true, "PostgreSQL not available: set FLEET_TEST_POSTGRES (./tests/run.sh does).");
        }

        var provider = new PostgresDatabaseProvider();
        await s_templateLock.WaitAsync();
        try
        {
            if (s_postgresTemplate is null)
            {
                var template = $"fleet_template_{Guid.NewGuid():N}";
                await ExecuteAsync(server!, $"CREATE DATABASE {template}");
                await using (var db = new FleetDbContext(provider.CreateOptions(WithDatabase(server!, template))))
                {
                    await db.Database.MigrateAsync();
                }

                NpgsqlConnection.ClearAllPools();
                s_postgresTemplate = template;
            }
        }
        finally
        {
            s_templateLock.Release();
        }

        var name = $"fleet_test_{Guid.NewGuid():N}";
        await ExecuteAsync(server!, $"CREATE DATABASE {name} TEMPLATE {s_postgresTemplate}");
        return new TestDatabase(provider, WithDatabase(server!, name), async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server!, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        });
    }

    /// <summary>A SQLite file without connection pooling (each test's file is deleted at the end).</summary>
    public static string SqliteFile(string file, int? defaultTimeout = null, SqliteOpenMode? mode = null)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false };
        if (defaultTimeout is { } seconds)
        {
            builder.DefaultTimeout = seconds;
        }

        if (mode is { } open)
        {
            builder.Mode = open;
        }

        return builder.ToString();
    }

    /// <summary>
    /// A named database that outlives the run (benchmarks that seed once and measure again): created and migrated when
    /// missing, migrated when it exists, never dropped. PostgreSQL: a database on <c>FLEET_TEST_POSTGRES</c>'s server;
    /// SQLite: <c>NAME.db</c> in the temp folder.
    /// </summary>
    public static async Task<TestDatabase> OpenKeptAsync(string provider, string name)
    {
        if (name.Length is 0 or > 60 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"A kept database's name is 1–60 characters of a-z, 0-9 and _, got '{name}'.", nameof(name));
        }

        IDatabaseProvider db = provider == Postgres ? new PostgresDatabaseProvider() : new SqliteDatabaseProvider();
        string connectionString;
        if (provider == Postgres)
        {
            var server = TestEnvironment.PostgresServer
                ?? throw new InvalidOperationException("FLEET_TEST_POSTGRES is not set: a kept PostgreSQL database needs a server.");
            await using (var connection = new NpgsqlConnection(WithDatabase(server, "postgres")))
            {
                await connection.OpenAsync();
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
                exists.Parameters.AddWithValue("name", name);
                if (await exists.ExecuteScalarAsync() is null)
                {
                    await ExecuteAsync(server, $"CREATE DATABASE {name}");
                }
            }

            connectionString = WithDatabase(server, name);
        }
        else
        {
            connectionString = SqliteFile(Path.Combine(Path.GetTempPath(), name + ".db"), defaultTimeout: 30);
        }

        await using (var context = new FleetDbContext(db.CreateOptions(connectionString)))
        {
            // A kept benchmark database holds a million cards: a migration that backfills a column outlasts 30 s.
            context.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
            await context.Database.MigrateAsync();
        }

        return new TestDatabase(db, connectionString, () => Task.CompletedTask);
    }

    private static string WithDatabase(string server, string database) =>
        new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(WithDatabase(server, "postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await _drop();
}
