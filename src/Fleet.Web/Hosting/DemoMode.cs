using Fleet.Data;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Hosting;

/// <summary>Whether this instance is the embedded demo: the demo fleet, and the demo users whose password is public.</summary>
public sealed class DemoMode(IOptions<DemoOptions> demo, IDatabaseProvider provider, IHostEnvironment environment)
{
    /// <summary><c>Fleet:Demo:Seed</c>, on by default for SQLite.</summary>
    public bool SeedEnabled => demo.Value.Seed ?? string.Equals(provider.Name, DatabaseProviderNames.Sqlite, StringComparison.Ordinal);

    /// <summary>Only with the demo seed on, and in Development unless <c>Fleet:Demo:Users</c> says otherwise.</summary>
    public bool UsersEnabled => SeedEnabled && (demo.Value.Users ?? environment.IsDevelopment());
}
