using Bunit;
using Fleet.Application;
using Fleet.Data;
using Fleet.Data.Seeding;
using MudBlazor.Services;

namespace Fleet.Web.Tests.Components;

/// <summary>
/// A bUnit context with MudBlazor, loose JS interop and the real Application services over a fresh migrated SQLite
/// database; <see cref="SeedAsync"/> fills it with a small demo fleet.
/// </summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    private TestDatabase? _database;

    protected TestDatabase Database => _database ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateSqliteAsync();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddFleetData(_database.Provider, _database.ConnectionString);
        Services.AddSingleton(TimeProvider.System);
        Services.AddScoped<Fleet.Web.Components.Shared.LiveAnnouncer>();
        Services.AddSingleton(new Fleet.Web.Components.Shared.Money(new Fleet.Web.Components.Shared.MoneyOptions()));
        Services.AddFleetApplication();
        await using var db = Database.CreateContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
    }

    /// <summary>Signs the page's user in as <c>{role}@fleet.local</c> with that one role.</summary>
    protected void SignIn(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
    }

    /// <summary>A small demo fleet (two datacenters, a few hundred GPUs in every state the seeder uses).</summary>
    protected async Task SeedAsync()
    {
        await using var db = Database.CreateContext();
        await new DemoSeeder(Database.Provider, TimeProvider.System).SeedAsync(db, seed: 7, hostScale: 0.05);
    }

    protected FleetDbContext CreateDbContext() => Database.CreateContext();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
