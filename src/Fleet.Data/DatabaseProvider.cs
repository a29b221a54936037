using Fleet.Data.Bulk;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Data;

/// <summary>
/// One database backend: how to configure EF Core for it (its migrations assembly included) and how to bulk-write.
/// Implemented by each migrations project, so Fleet.Data never references a provider package.
/// </summary>
public interface IDatabaseProvider
{
    /// <summary><see cref="DatabaseProviderNames.Sqlite"/> or <see cref="DatabaseProviderNames.Postgres"/>, as <c>Database:Provider</c> names it.</summary>
    string Name { get; }

    /// <summary>Applies the provider, its migrations assembly and Fleet's conventions to <paramref name="builder"/>.</summary>
    void Configure(DbContextOptionsBuilder builder, string connectionString);

    /// <summary>Writes many new rows without the change tracker, inside the context's current transaction.</summary>
    IBulkWriter BulkWriter { get; }

    /// <summary>
    /// Runs once at start-up, before migrations are applied: an embedded store backs its file up when migrations are
    /// pending and sets its one-time settings. Returns the backup's path, or null when none was made.
    /// </summary>
    Task<string?> PrepareForMigrationAsync(FleetDbContext db, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>After a bulk load: brings the query planner's statistics up to date (a no-op where the store has none).</summary>
    Task RefreshStatisticsAsync(FleetDbContext db, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Finds this provider's error in <paramref name="exception"/> (or its causes) and says what it means.</summary>
    DatabaseErrorKind Classify(Exception exception);
}

public static class FleetDataServiceCollectionExtensions
{
    /// <summary>Registers the context factory (one short-lived context per operation) on <paramref name="provider"/>.</summary>
    public static IServiceCollection AddFleetData(this IServiceCollection services, IDatabaseProvider provider, string connectionString) =>
        services.AddFleetData(_ => provider, _ => connectionString);

    /// <summary>
    /// The same, with the provider and the connection string taken from the container when first needed (from
    /// validated options, so a bad setting fails at start-up with its key rather than while the services are registered).
    /// </summary>
    public static IServiceCollection AddFleetData(
        this IServiceCollection services, Func<IServiceProvider, IDatabaseProvider> provider, Func<IServiceProvider, string> connectionString)
    {
        services.AddSingleton<IDatabaseProvider>(provider);
        services.AddDbContextFactory<FleetDbContext>((sp, o) => sp.GetRequiredService<IDatabaseProvider>().Configure(o, connectionString(sp)));
        return services;
    }

    /// <summary>Options shared by every provider: snake_case names so PostgreSQL needs no quoting.</summary>
    public static DbContextOptionsBuilder UseFleetConventions(this DbContextOptionsBuilder builder) =>
        builder.UseSnakeCaseNamingConvention();

    /// <summary>Creates options for a context on <paramref name="provider"/> outside dependency injection (tests, tools).</summary>
    public static DbContextOptions<FleetDbContext> CreateOptions(this IDatabaseProvider provider, string connectionString)
    {
        var builder = new DbContextOptionsBuilder<FleetDbContext>();
        provider.Configure(builder, connectionString);
        return builder.Options;
    }
}
