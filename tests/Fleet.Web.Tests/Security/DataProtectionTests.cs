using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Tests.Security;

/// <summary>Each deployment has its own key ring and application name: a cookie from one instance is refused by another.</summary>
public abstract class DataProtectionTests(string provider)
{
    /// <summary>Settings for an instance whose data folder is <paramref name="folder"/> (SQLite: its file lives there).</summary>
    protected abstract Dictionary<string, string> InstanceSettings(string folder);

    [SkippableFact]
    public async Task CookieFromOneInstance_IsRefusedByAnother()
    {
        var folders = new[] { NewFolder(), NewFolder() };
        try
        {
            await using var first = await new FleetWebFactory(provider, settings: InstanceSettings(folders[0])).StartAsync();
            await using var second = await new FleetWebFactory(provider, settings: InstanceSettings(folders[1])).StartAsync();
            foreach (var app in new[] { first, second })
            {
                // The same user on both, as with two demo databases.
                await app.CreateUserAsync("admin@test.local", Roles.Admin);
            }

            using var browser = first.CookieClient();
            var cookie = await SecurityTestSupport.SignInAsync(browser, "admin@test.local");
            using (var own = first.ClientWithCookie(cookie))
            {
                Assert.Equal(HttpStatusCode.OK, (await own.GetAsync("/api/datacenters")).StatusCode);
            }

            using var other = second.ClientWithCookie(cookie);
            Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/datacenters")).StatusCode);

            // Not merely the user lookup failing: the other instance cannot even read the ticket.
            var format = second.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).TicketDataFormat;
            Assert.Null(format.Unprotect(Uri.UnescapeDataString(cookie[(cookie.IndexOf('=') + 1)..])));
            var ownFormat = first.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).TicketDataFormat;
            Assert.NotNull(ownFormat.Unprotect(Uri.UnescapeDataString(cookie[(cookie.IndexOf('=') + 1)..])));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(folders[0], "keys"), "key-*.xml"));
        }
        finally
        {
            foreach (var folder in folders)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    [SkippableFact]
    public async Task CookieFromAnotherDatabase_SharingTheKeyRing_IsRefused()
    {
        var keys = NewFolder();
        try
        {
            var shared = new Dictionary<string, string> { ["Fleet:DataProtection:KeysPath"] = keys };
            await using var first = await new FleetWebFactory(provider, settings: shared).StartAsync();
            await using var second = await new FleetWebFactory(provider, settings: shared).StartAsync();
            await first.CreateUserAsync("admin@test.local", Roles.Admin);
            using var browser = first.CookieClient();
            var cookie = await SecurityTestSupport.SignInAsync(browser, "admin@test.local");

            var format = second.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).TicketDataFormat;
            Assert.Null(format.Unprotect(Uri.UnescapeDataString(cookie[(cookie.IndexOf('=') + 1)..])));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    private static string NewFolder() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"fleet-dp-{Guid.NewGuid():N}")).FullName;
}

/// <summary>SQLite: the key ring is in the data folder next to the database file, by default.</summary>
public sealed class SqliteDataProtectionTests() : DataProtectionTests(TestDatabase.Sqlite)
{
    protected override Dictionary<string, string> InstanceSettings(string folder) => new()
    {
        ["ConnectionStrings:Fleet"] = TestDatabase.SqliteFile(Path.Combine(folder, "fleet.db"), defaultTimeout: 30),
    };
}

/// <summary>PostgreSQL: the key ring is where <c>Fleet:DataProtection:KeysPath</c> says.</summary>
public sealed class PostgresDataProtectionTests() : DataProtectionTests(TestDatabase.Postgres)
{
    protected override Dictionary<string, string> InstanceSettings(string folder) => new()
    {
        ["Fleet:DataProtection:KeysPath"] = Path.Combine(folder, "keys"),
    };
}
