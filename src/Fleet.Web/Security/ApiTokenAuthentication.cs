using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Security;

/// <summary>Bearer API tokens: stored as SHA-256 hashes, each scoped to one role.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<FleetDbContext> contexts,
    IOptions<BootstrapOptions> bootstrap,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0)
        {
            return AuthenticateResult.Fail("Empty bearer token.");
        }

        if (bootstrap.Value.AdminToken is { Length: > 0 } admin &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(admin), Encoding.UTF8.GetBytes(token)))
        {
            return Success("bootstrap-admin", Roles.Admin);
        }

        var hash = ApiTokens.Hash(token);
        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var stored = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, Context.RequestAborted);
        if (stored is null || stored.RevokedAt is { } revoked && revoked <= time.GetUtcNow().UtcDateTime)
        {
            return AuthenticateResult.Fail("Unknown or revoked API token.");
        }

        return Success($"token:{stored.Name}", stored.Role);
    }

    private static AuthenticateResult Success(string name, string role)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>Creates and hashes API tokens.</summary>
public sealed class ApiTokens(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Creates a token for <paramref name="role"/>; the plain value is returned once and never stored.</summary>
    public async Task<string> CreateAsync(string name, string role, CancellationToken ct = default)
    {
        if (!Roles.All.Contains(role))
        {
            throw new DomainException($"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}.");
        }

        var token = "fleet_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ApiTokens.Add(new Data.Identity.ApiToken { Name = name, Role = role, TokenHash = Hash(token), CreatedAt = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return token;
    }
}
