using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Domain.Audit;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Security;

/// <summary>Bearer API tokens: stored as SHA-256 hashes, each scoped to one role; expired and revoked ones are refused.</summary>
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
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var stored = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, Context.RequestAborted);
        if (stored is null || !ApiTokens.IsActive(stored, now))
        {
            return AuthenticateResult.Fail("Unknown, expired or revoked API token.");
        }

        if (stored.LastUsedAt is not { } used || now - used > ApiTokens.LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == stored.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
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

/// <summary>An API token as an Admin sees it: never its value, which is shown once when it is issued.</summary>
public sealed record ApiTokenInfo(
    int Id, string Name, string Role, DateTime CreatedAt, string? CreatedBy, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt, bool Active);

/// <summary>A newly issued token: <see cref="Token"/> is its only appearance anywhere.</summary>
public sealed record IssuedApiToken(string Token, ApiTokenInfo Info);

/// <summary>Issues, lists and revokes API tokens; issuing and revoking are audited.</summary>
public sealed class ApiTokens(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public const string AuditEntity = "ApiToken";
    public const int DefaultLifetimeDays = 90;
    public const int MaxLifetimeDays = 3650;

    /// <summary>How stale <see cref="ApiToken.LastUsedAt"/> may get before a request writes it again.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool IsActive(ApiToken token, DateTime now) =>
        token.RevokedAt is null && (token.ExpiresAt is not { } expires || expires > now);

    /// <summary>Creates a token for <paramref name="role"/> as the system (tests, tools); see <see cref="IssueAsync"/>.</summary>
    public async Task<string> CreateAsync(string name, string role, CancellationToken ct = default) =>
        (await IssueAsync(name, role, DefaultLifetimeDays, Actor.System, ct)).Token;

    /// <summary>Issues a token for <paramref name="role"/> that expires after <paramref name="lifetimeDays"/>; the plain value is returned once and never stored.</summary>
    public async Task<IssuedApiToken> IssueAsync(string? name, string? role, int? lifetimeDays, Actor actor, CancellationToken ct = default)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            throw new ValidationException("name", "A token needs a name of 1–200 characters without control characters (say who or what uses it).");
        }

        if (role is null || !Roles.All.Contains(role))
        {
            throw new ValidationException("role", $"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}.");
        }

        var days = lifetimeDays ?? DefaultLifetimeDays;
        if (days is < 1 or > MaxLifetimeDays)
        {
            throw new ValidationException("expiresInDays", $"expiresInDays must be 1–{MaxLifetimeDays.ToString(CultureInfo.InvariantCulture)}, got {days.ToString(CultureInfo.InvariantCulture)}.");
        }

        var token = "fleet_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow().UtcDateTime;
        var stored = new ApiToken { Name = name, Role = role, TokenHash = Hash(token), CreatedAt = now, ExpiresAt = now.AddDays(days), CreatedBy = actor.Name };
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ApiTokens.Add(stored);
        await db.SaveChangesAsync(ct);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, AuditEntity, Key(stored), AuditActions.Create, null, Snapshot(stored),
            $"Issued API token '{name}' for {role}, expires {stored.ExpiresAt:yyyy-MM-dd}."));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new IssuedApiToken(token, Info(stored, now));
    }

    /// <summary>Every token, newest first, active or not.</summary>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var tokens = await db.ApiTokens.AsNoTracking().OrderByDescending(t => t.Id).ToListAsync(ct);
        return [.. tokens.Select(t => Info(t, now))];
    }

    /// <summary>Revokes a token from now on; revoking a revoked token changes nothing.</summary>
    public async Task<ApiTokenInfo> RevokeAsync(int id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var stored = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct)
            ?? throw new NotFoundException($"API token {id.ToString(CultureInfo.InvariantCulture)} does not exist.");
        if (stored.RevokedAt is null)
        {
            var before = Snapshot(stored);
            stored.RevokedAt = now;
            db.AuditEntries.Add(AuditLog.Entry(actor, now, AuditEntity, Key(stored), AuditActions.Update, before, Snapshot(stored),
                $"Revoked API token '{stored.Name}' ({stored.Role})."));
            await db.SaveChangesAsync(ct);
        }

        return Info(stored, now);
    }

    private static string Key(ApiToken t) => t.Id.ToString(CultureInfo.InvariantCulture);

    private static object Snapshot(ApiToken t) => new { t.Name, t.Role, t.CreatedAt, t.ExpiresAt, t.RevokedAt };

    private static ApiTokenInfo Info(ApiToken t, DateTime now) =>
        new(t.Id, t.Name, t.Role, t.CreatedAt, t.CreatedBy, t.ExpiresAt, t.LastUsedAt, t.RevokedAt, IsActive(t, now));
}
