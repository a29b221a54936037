using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Security;

/// <summary>
/// One key ring and one application name per deployment, so a cookie issued by one Fleet instance is refused by
/// every other (the framework's defaults share both between every instance run by the same user from the same folder).
/// </summary>
public static class DataProtectionSetup
{
    public static WebApplicationBuilder AddFleetDataProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<FleetDataProtectionOptions>().BindConfiguration(FleetDataProtectionOptions.Section)
            .PostConfigure<IOptions<DatabaseOptions>, IHostEnvironment>((o, database, environment) =>
            {
                var keys = string.IsNullOrWhiteSpace(o.KeysPath)
                    ? Path.Combine(DataFolder(database.Value, environment), "keys")
                    : Path.GetFullPath(o.KeysPath);
                try
                {
                    Directory.CreateDirectory(keys);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidOperationException(
                        $"Fleet:DataProtection:KeysPath: cannot create the key ring folder {keys} ({ex.Message}). Point it at a writable, persistent folder.", ex);
                }

                o.KeysPath = keys;
                o.ApplicationName = string.IsNullOrWhiteSpace(o.ApplicationName) ? DefaultApplicationName(database.Value) : o.ApplicationName;
            })
            .ValidateOnStart();
        builder.Services.AddDataProtection();
        // What PersistKeysToFileSystem and SetApplicationName do, from the validated options rather than at registration.
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IOptions<FleetDataProtectionOptions>, ILoggerFactory>((k, o, logs) =>
            k.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(o.Value.KeysPath!), logs));
        builder.Services.AddOptions<DataProtectionOptions>().Configure<IOptions<FleetDataProtectionOptions>>((d, o) =>
            d.ApplicationDiscriminator = o.Value.ApplicationName);
        return builder;
    }

    /// <summary>The folder of the SQLite file, or <c>data/</c> under the content root (PostgreSQL, in-memory SQLite).</summary>
    public static string DataFolder(DatabaseOptions database, IHostEnvironment environment)
    {
        var fallback = Path.Combine(environment.ContentRootPath, "data");
        if (!database.IsSqlite || database.ConnectionStringIsDefault || string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return fallback;
        }

        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        if (string.IsNullOrWhiteSpace(file) || file.StartsWith(':') || file.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return fallback;
        }

        return Path.GetDirectoryName(Path.GetFullPath(file)) ?? fallback;
    }

    /// <summary>"Fleet-" and a digest of the provider and the connection string without its password: the same database, the same name.</summary>
    public static string DefaultApplicationName(DatabaseOptions database)
    {
        var provider = database.Provider.ToUpperInvariant();
        // The configured string only: an instance on the embedded default keeps the name it had before it was resolved.
        var builder = new DbConnectionStringBuilder { ConnectionString = database.ConnectionStringIsDefault ? "" : database.ConnectionString };
        foreach (var secret in new[] { "Password", "Pwd" })
        {
            builder.Remove(secret);
        }

        var identity = provider + "|" + string.Join(";", builder.Keys.Cast<string>().Order(StringComparer.OrdinalIgnoreCase)
            .Select(k => $"{k.ToUpperInvariant()}={builder[k]}"));
        return "Fleet-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
    }
}
