using System.ComponentModel.DataAnnotations;

namespace Fleet.Web.Security;

/// <summary><c>Fleet:DataProtection</c>: where this deployment keeps the keys that sign its cookies and links.</summary>
public sealed class FleetDataProtectionOptions
{
    public const string Section = "Fleet:DataProtection";

    /// <summary>The key ring's folder; defaults to <c>keys</c> in the data folder (next to the SQLite file, else <c>data/</c>).</summary>
    public string? KeysPath { get; set; }

    /// <summary>Isolates this deployment's cookies from every other one; defaults to a name derived from its database.</summary>
    public string? ApplicationName { get; set; }
}

/// <summary><c>Fleet:RateLimit</c>: how often one client may try to sign in or use the token endpoints.</summary>
public sealed class FleetRateLimitOptions
{
    public const string Section = "Fleet:RateLimit";

    /// <summary>Sign-in, set-password and <c>/api/tokens</c> requests per client address per minute.</summary>
    [Range(1, 100_000)]
    public int SignInPerMinute { get; set; } = 10;
}
