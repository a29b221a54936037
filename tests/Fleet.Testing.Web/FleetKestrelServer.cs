using System.Net;
using System.Net.Http.Headers;
using Fleet.Data;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Testing;

/// <summary>
/// The real web app on Kestrel on 127.0.0.1 over a database the caller owns, so another process (the `fleet agent`) can reach it
/// and a test can stop it and start a new one on the same database and port. Disposing stops the server; the database stays.
/// </summary>
public sealed class FleetKestrelServer : IAsyncDisposable
{
    private readonly AppFactory _factory;

    // FleetWebFactory's static constructor points the factory at src/Fleet.Web from any test host.
    static FleetKestrelServer() => System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(FleetWebFactory).TypeHandle);

    private FleetKestrelServer(AppFactory factory, Uri baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
    }

    /// <summary>The app's root, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    public string Url => BaseAddress.ToString();

    public IServiceProvider Services => _factory.Services;

    /// <summary>Starts the app over <paramref name="database"/> (migrated on start) on <paramref name="port"/> (0: a free one).</summary>
    public static async Task<FleetKestrelServer> StartAsync(TestDatabase database, int port = 0, IReadOnlyDictionary<string, string>? settings = null)
    {
        var factory = new AppFactory(database, settings ?? new Dictionary<string, string>());
        try
        {
            factory.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
            factory.StartServer();
            var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
            return new FleetKestrelServer(factory, new Uri(addresses.Addresses.First().TrimEnd('/') + "/"));
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
    }

    /// <summary>Issues a bearer API token for <paramref name="role"/> (stored hashed by the app, like an Admin's).</summary>
    public async Task<string> TokenAsync(string role, string? name = null)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(name ?? $"test-{role}-{Guid.NewGuid():N}", role);
    }

    /// <summary>A plain HTTP client on the real socket, carrying <paramref name="token"/>.</summary>
    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public FleetDbContext CreateDbContext() => Services.GetRequiredService<IDbContextFactory<FleetDbContext>>().CreateDbContext();

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private sealed class AppFactory(TestDatabase database, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", database.ProviderName);
            builder.UseSetting("ConnectionStrings:Fleet", database.ConnectionString);
            builder.UseSetting("Fleet:Demo:Seed", "false");
            builder.UseSetting("Fleet:Demo:Users", "false");
            builder.UseSetting("Fleet:Bootstrap:AdminToken", FleetWebFactory.AdminToken);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
