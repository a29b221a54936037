using System.Data.Common;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Data.Seeding;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Hosting;

/// <summary>At start-up: apply migrations (retrying while the server comes up), seed the demo fleet, create users.</summary>
public sealed class DatabaseStartup(
    IServiceProvider services,
    IOptions<DatabaseOptions> database,
    IOptions<DemoOptions> demo,
    DemoMode demoMode,
    IOptions<BootstrapOptions> bootstrap,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredService<IDatabaseProvider>();
        var contexts = services.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(database.Value.StartupRetrySeconds);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken);
                if (await provider.PrepareForMigrationAsync(db, cancellationToken) is { } backup)
                {
                    logger.LogInformation("Backed up the database to {Backup} before applying migrations.", backup);
                }

                // A migration may rewrite a whole table at a fleet's size (a backfilled column: a million rows), far past
                // the default 30 s command timeout.
                db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
                await db.Database.MigrateAsync(cancellationToken);
                break;
            }
            catch (Exception ex) when (ex is DbException or TimeoutException or InvalidOperationException && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("Database not ready (attempt {Attempt}): {Message}. Retrying.", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await DemoSeeder.EnsureCatalogAsync(db, cancellationToken);
            if (demoMode.SeedEnabled && await DemoSeeder.IsEmptyAsync(db, cancellationToken))
            {
                var started = DateTime.UtcNow;
                await services.GetRequiredService<DemoSeeder>().SeedAsync(db, hostScale: demo.Value.Scale, ct: cancellationToken);
                logger.LogInformation("Seeded the demo fleet in {Seconds:F1} s.", (DateTime.UtcNow - started).TotalSeconds);
            }
        }

        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        if (demoMode.UsersEnabled)
        {
            foreach (var (email, name, role) in DemoUsers.All)
            {
                await EnsureUserAsync(users, email, name, DemoUsers.Password, role);
            }

            logger.LogWarning(
                "This is a demo instance: {Count} demo users (Admin included) share the password printed on the login page. " +
                "Never expose it; set Fleet:Demo:Users=false or run outside Development with a real admin (Fleet:Bootstrap).",
                DemoUsers.All.Count);
        }
        else
        {
            await DisableLeftoverDemoUsersAsync(users);
        }

        if (bootstrap.Value is { AdminEmail: { } adminEmail, AdminPassword: { } adminPassword })
        {
            await EnsureUserAsync(users, adminEmail, "Administrator", adminPassword, Roles.Admin);
        }
    }

    private async Task EnsureUserAsync(UserManager<FleetUser> users, string email, string name, string password, string role)
    {
        if (await users.FindByEmailAsync(email) is not null)
        {
            return;
        }

        var user = new FleetUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException($"Could not create user {email}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }

        await users.AddToRoleAsync(user, role);
        logger.LogInformation("Created user {Email} ({Role}).", email, role);
    }

    /// <summary>A database that once ran as the demo keeps its demo users; with demo users off, those with the public password cannot sign in.</summary>
    private async Task DisableLeftoverDemoUsersAsync(UserManager<FleetUser> users)
    {
        foreach (var (email, _, _) in DemoUsers.All)
        {
            if (await users.FindByEmailAsync(email) is { } user && await users.CheckPasswordAsync(user, DemoUsers.Password))
            {
                await users.SetLockoutEnabledAsync(user, true);
                await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
                await users.UpdateSecurityStampAsync(user);
                logger.LogWarning("Demo user {Email} still has the public demo password and demo users are off: disabled it.", email);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
