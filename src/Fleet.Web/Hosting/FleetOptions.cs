using System.ComponentModel.DataAnnotations;
using Fleet.Data;
using Fleet.Migrations.Postgres;
using Fleet.Migrations.Sqlite;

namespace Fleet.Web.Hosting;

/// <summary><c>Database</c>: which store, and how long start-up waits for it; with <c>ConnectionStrings:Fleet</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default, embedded) or <c>Postgres</c>.</summary>
    [Required]
    [RegularExpression("^(?i)(" + DatabaseProviderNames.Sqlite + "|" + DatabaseProviderNames.Postgres + ")$",
        ErrorMessage = "Database:Provider must be '" + DatabaseProviderNames.Sqlite + "' or '" + DatabaseProviderNames.Postgres + "'.")]
    public string Provider { get; set; } = DatabaseProviderNames.Sqlite;

    /// <summary>How long start-up keeps retrying while the database comes up.</summary>
    [Range(0, 600, ErrorMessage = "Database:StartupRetrySeconds must be 0 to 600.")]
    public int StartupRetrySeconds { get; set; } = 60;

    /// <summary><c>ConnectionStrings:Fleet</c>, or for SQLite <c>data/fleet.db</c> under the content root when it is not set.</summary>
    public string ConnectionString { get; internal set; } = "";

    /// <summary>Whether <see cref="ConnectionString"/> is the embedded default rather than a configured one.</summary>
    public bool ConnectionStringIsDefault { get; internal set; }

    public bool IsSqlite => string.Equals(Provider, DatabaseProviderNames.Sqlite, StringComparison.OrdinalIgnoreCase);

    public bool IsPostgres => string.Equals(Provider, DatabaseProviderNames.Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>The store <see cref="Provider"/> names (validated at start-up).</summary>
    public IDatabaseProvider CreateProvider() =>
        IsSqlite ? new SqliteDatabaseProvider()
        : IsPostgres ? new PostgresDatabaseProvider()
        : throw new InvalidOperationException($"Database:Provider must be '{DatabaseProviderNames.Sqlite}' or '{DatabaseProviderNames.Postgres}', got '{Provider}'.");
}

/// <summary><c>Fleet:Demo</c>: the demo fleet.</summary>
public sealed class DemoOptions
{
    public const string Section = "Fleet:Demo";

    /// <summary>Seed an empty database with the demo fleet; defaults to on for SQLite, off for PostgreSQL.</summary>
    public bool? Seed { get; set; }

    /// <summary>Multiplies the demo fleet's size (1 = 10,000 GPUs, 100 = 1,000,000) for load tests.</summary>
    [Range(0.01, 1000)]
    public double Scale { get; set; } = 1.0;

    /// <summary>
    /// Create one demo user per role (password shown on the login page). Only ever with <see cref="Seed"/> on; then
    /// defaults to on in the Development environment and off elsewhere (a published app never gets them unless this is true).
    /// </summary>
    public bool? Users { get; set; }
}

/// <summary><c>Fleet:Bootstrap</c>: the first admin on a production database, and an admin API token.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Fleet:Bootstrap";

    /// <summary>Accepted as an Admin bearer token when set.</summary>
    [MinLength(16, ErrorMessage = "Fleet:Bootstrap:AdminToken must be at least 16 characters.")]
    public string? AdminToken { get; set; }

    [EmailAddress]
    public string? AdminEmail { get; set; }

    [MinLength(10, ErrorMessage = "Fleet:Bootstrap:AdminPassword must be at least 10 characters.")]
    public string? AdminPassword { get; set; }
}
