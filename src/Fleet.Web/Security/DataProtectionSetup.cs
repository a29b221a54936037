using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Web.Security;

/// <summary>
/// One key ring and one application name per deployment, so a cookie issued by one Fleet instance is refused by
/// every other (the framework's defaults share both between every instance run by the same user from the same folder).
/// </summary>
public static class DataProtectionSetup
{
    public static WebApplicationBuilder AddFleetDataProtection(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(FleetDataProtectionOptions.Section).Get<FleetDataProtectionOptions>() ?? new();
        var keys = string.IsNullOrWhiteSpace(options.KeysPath) ? Path.Combine(DataFolder(builder), "keys") : Path.GetFullPath(options.KeysPath);
        try
        {
            Directory.CreateDirectory(keys);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Fleet:DataProtection:KeysPath: cannot create the key ring folder {keys} ({ex.Message}). Point it at a writable, persistent folder.", ex);
        }

        var name = string.IsNullOrWhiteSpace(options.ApplicationName) ? DefaultApplicationName(builder.Configuration) : options.ApplicationName;
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys)).SetApplicationName(name);
        return builder;
    }

    /// <summary>The folder of the SQLite file, or <c>data/</c> under the content root (PostgreSQL, in-memory SQLite).</summary>
    public static string DataFolder(WebApplicationBuilder builder)
    {
        var fallback = Path.Combine(builder.Environment.ContentRootPath, "data");
        var connectionString = builder.Configuration.GetConnectionString("Fleet");
        if (!IsSqlite(builder.Configuration) || string.IsNullOrWhiteSpace(connectionString))
        {
            return fallback;
        }

        var file = Value(connectionString, "Data Source") ?? Value(connectionString, "DataSource") ?? Value(connectionString, "Filename");
        if (string.IsNullOrWhiteSpace(file) || file.StartsWith(':') || file.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return fallback;
        }

        return Path.GetDirectoryName(Path.GetFullPath(file)) ?? fallback;
    }

    /// <summary>"Fleet-" and a digest of the provider and the connection string without its password: the same database, the same name.</summary>
    public static string DefaultApplicationName(IConfiguration configuration)
    {
        var provider = (configuration["Database:Provider"] ?? "Sqlite").ToUpperInvariant();
        var builder = new DbConnectionStringBuilder { ConnectionString = configuration.GetConnectionString("Fleet") ?? "" };
        foreach (var secret in new[] { "Password", "Pwd" })
        {
            builder.Remove(secret);
        }

        var identity = provider + "|" + string.Join(";", builder.Keys.Cast<string>().Order(StringComparer.OrdinalIgnoreCase)
            .Select(k => $"{k.ToUpperInvariant()}={builder[k]}"));
        return "Fleet-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }

    private static bool IsSqlite(IConfiguration configuration) =>
        string.Equals(configuration["Database:Provider"] ?? "Sqlite", "Sqlite", StringComparison.OrdinalIgnoreCase);

    private static string? Value(string connectionString, string key)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.TryGetValue(key, out var value) ? value?.ToString() : null;
    }
}
