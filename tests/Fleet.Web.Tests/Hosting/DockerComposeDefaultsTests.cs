using System.Text.RegularExpressions;
using Fleet.Data.Identity;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Web.Tests.Hosting;

/// <summary>
/// docker-compose.yml's web service, with every <c>${VAR:-default}</c> left at its default, must give a running app with a
/// usable first admin (its default admin password once failed the password rules and the container crash-looped).
/// No Docker engine runs here, so the web service's environment is applied to the real app over the test PostgreSQL.
/// </summary>
public sealed class DockerComposeDefaultsTests
{
    private static readonly Regex s_default = new(@"\$\{(?<name>[A-Z_]+)(:-(?<value>[^}]*))?\}", RegexOptions.CultureInvariant);

    private static string ComposeFolder
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "docker-compose.yml")))
            {
                root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("No docker-compose.yml above the tests.");
            }

            return root;
        }
    }

    /// <summary>The web service's environment block, each value with its compose defaults substituted.</summary>
    public static Dictionary<string, string> WebEnvironment()
    {
        var lines = File.ReadAllLines(Path.Combine(ComposeFolder, "docker-compose.yml"));
        var web = Array.FindIndex(lines, l => l == "  web:");
        var env = Array.FindIndex(lines, web, l => l == "    environment:");
        Assert.True(web > 0 && env > web, "docker-compose.yml has no web service with an environment block.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(env + 1).TakeWhile(l => l.StartsWith("      ", StringComparison.Ordinal)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var key = line[..colon].Trim();
            var value = s_default.Replace(line[(colon + 1)..].Trim(), m => m.Groups["value"].Value);
            result[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        return result;
    }

    [SkippableFact]
    public async Task ComposeDefaults_AppStartsInProduction_FirstAdminSignsInWithTheDefaultPassword()
    {
        var compose = WebEnvironment();
        var settings = new Dictionary<string, string>(compose)
        {
            // The test's own database (the factory's) and key folder stand in for the compose service names and volumes.
            ["Fleet:DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), $"fleet-keys-{Guid.NewGuid():N}"),
            ["environment"] = "Production",
        };
        settings.Remove("ConnectionStrings:Fleet");
        Assert.Equal("Postgres", compose["Database:Provider"]);

        await using var app = await new FleetWebFactory(TestDatabase.Postgres, settings: settings).StartAsync();
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        var admin = await users.FindByEmailAsync(compose["Fleet:Bootstrap:AdminEmail"]);

        Assert.NotNull(admin);
        Assert.True(await users.CheckPasswordAsync(admin, compose["Fleet:Bootstrap:AdminPassword"]), "The compose default admin password does not sign in.");
        Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
        Assert.Null(await users.FindByEmailAsync("admin@fleet.local"));
    }

    [SkippableFact]
    public async Task ComposeFile_DockerComposeConfig_AcceptsItWithTheDefaults()
    {
        const string tool = "/usr/bin/docker-compose";
        if (!File.Exists(tool))
        {
            Assert.False(TestEnvironment.IsCi, "docker-compose is required in CI (tests/run.sh installs Debian's docker-compose).");
            Skip.If(true, "docker-compose not installed: apt-get install docker-compose.");
        }

        var start = new System.Diagnostics.ProcessStartInfo(tool, "-f docker-compose.yml config")
        {
            WorkingDirectory = ComposeFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "FLEET_DB_PASSWORD", "FLEET_ADMIN_EMAIL", "FLEET_ADMIN_PASSWORD", "FLEET_ADMIN_TOKEN", "FLEET_DEMO_SEED", "FLEET_ALLOWED_HOSTS" })
        {
            start.Environment.Remove(name);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"docker-compose config failed: {errors}");
        Assert.Contains("Database__Provider: Postgres", output, StringComparison.Ordinal);
        Assert.Contains("/var/lib/fleet/keys", output, StringComparison.Ordinal);
    }
}
