using System.Net;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Testing;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real Fleet web app served by Kestrel on a free loopback port, over a fresh migrated test database,
/// so a real browser can drive it. Create with <see cref="StartAsync"/>; dispose to stop it and drop the database.
/// </summary>
public sealed class FleetAppServer : IAsyncDisposable
{
    private readonly AppFactory _factory;

    private FleetAppServer(AppFactory factory, TestDatabase database, Uri baseAddress)
    {
        _factory = factory;
        Database = database;
        BaseAddress = baseAddress;
    }

    /// <summary>The app's root, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    public TestDatabase Database { get; }

    /// <summary>The app's services (e.g. to arrange data through the Application services).</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts the app over a new database of <paramref name="provider"/> (<see cref="TestDatabase.Sqlite"/> or
    /// <see cref="TestDatabase.Postgres"/>); <paramref name="seedDemo"/> fills it with the demo fleet (10,000 GPUs).</summary>
    public static async Task<FleetAppServer> StartAsync(string provider, bool seedDemo = true)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var factory = new AppFactory(provider, database.ConnectionString, seedDemo);
        try
        {
            factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
            var address = addresses.Addresses.First();
            if (!seedDemo)
            {
                // The app creates demo users only with the demo seed; an empty fleet still needs someone to sign in.
                await EnsureDemoUsersAsync(factory.Services);
            }

            return new FleetAppServer(factory, database, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await factory.DisposeAsync();
            await database.DisposeAsync();
            throw;
        }
    }

    private static async Task EnsureDemoUsersAsync(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        foreach (var (email, name, role) in DemoUsers.All)
        {
            if (await users.FindByEmailAsync(email) is null)
            {
                var user = new FleetUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name };
                await users.CreateAsync(user, DemoUsers.Password);
                await users.AddToRoleAsync(user, role);
            }
        }
    }

    /// <summary>A short-lived context on the app's database, for arranging and checking.</summary>
    public FleetDbContext CreateDbContext() => Services.GetRequiredService<IDbContextFactory<FleetDbContext>>().CreateDbContext();

    /// <summary>An absolute URL for a path relative to the app's root (no leading slash needed).</summary>
    public string Url(string path) => new Uri(BaseAddress, path.TrimStart('/')).ToString();

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await Database.DisposeAsync();
    }

    private sealed class AppFactory(string provider, string connectionString, bool seedDemo) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", provider);
            builder.UseSetting("ConnectionStrings:Fleet", connectionString);
            builder.UseSetting("Fleet:Demo:Seed", seedDemo ? "true" : "false");
            builder.UseSetting("Fleet:Demo:Users", "true");
            builder.UseSetting("Fleet:Bootstrap:AdminToken", FleetWebFactory.AdminToken);
        }
    }
}
