using System.Net.Http.Headers;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Testing;

/// <summary>
/// The real web app over a fresh, migrated test database of either provider. Call <see cref="StartAsync"/> first.
/// <paramref name="configure"/> runs last (test services, logging).
/// </summary>
public sealed class FleetWebFactory(
    string provider, bool seedDemo = false, IReadOnlyDictionary<string, string>? settings = null, Action<IWebHostBuilder>? configure = null)
    : WebApplicationFactory<Program>
{
    public const string AdminToken = "test-bootstrap-admin-token-0123456789";

    private readonly Dictionary<string, string> _tokens = [];
    private TestDatabase? _database;

    static FleetWebFactory()
    {
        // Lets the factory find src/Fleet.Web from any host (benchmarks, other test projects) without a test manifest.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var web = Path.Combine(dir.FullName, "src", "Fleet.Web");
            if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln")) && Directory.Exists(web))
            {
                Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FLEET_WEB", web);
                break;
            }
        }
    }

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Call StartAsync first.");

    public string ProviderName => provider;

    /// <summary>Where set, the app runs on this kept database (<see cref="TestDatabase.OpenKeptAsync"/>) instead of a fresh one.</summary>
    public string? KeptDatabase { get; init; }

    /// <summary>Creates the database and starts the app (migrations, optional demo seed, demo users).</summary>
    public async Task<FleetWebFactory> StartAsync()
    {
        _database = KeptDatabase is { } kept ? await TestDatabase.OpenKeptAsync(provider, kept) : await TestDatabase.CreateAsync(provider);
        _ = Server;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Database:Provider", provider);
        builder.UseSetting("ConnectionStrings:Fleet", Database.ConnectionString);
        builder.UseSetting("Fleet:Demo:Seed", seedDemo ? "true" : "false");
        builder.UseSetting("Fleet:Demo:Users", "true");
        builder.UseSetting("Fleet:Bootstrap:AdminToken", AdminToken);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        configure?.Invoke(builder);
    }

    /// <summary>A client carrying a bearer API token scoped to <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientForRoleAsync(string role)
    {
        if (!_tokens.TryGetValue(role, out var token))
        {
            using var scope = Services.CreateScope();
            token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync($"test-{role}", role);
            _tokens[role] = token;
        }

        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminClientAsync() => ClientForRoleAsync(Roles.Admin);

    /// <summary>A short-lived context on the app's database, for arranging and checking.</summary>
    public FleetDbContext CreateDbContext() => Services.GetRequiredService<IDbContextFactory<FleetDbContext>>().CreateDbContext();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
