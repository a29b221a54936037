using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Data;
using Fleet.Data.Identity;
using Fleet.Domain.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Web.Security;

/// <summary>A person's account as an Admin sees it.</summary>
public sealed record UserInfo(string Id, string Email, string DisplayName, string Role, bool Disabled, DateTimeOffset? LockedOutUntil);

/// <summary>An invited user and the one-time link that sets their password (shown once, valid for a day).</summary>
public sealed record InvitedUser(UserInfo User, string SetPasswordLink);

/// <summary>
/// Invite, change role, disable and enable, each audited. Disabling and role changes rotate the security stamp, so
/// the user's existing cookies are refused on their next request; the last enabled Admin cannot be removed.
/// </summary>
public sealed class UserAdministration(IServiceScopeFactory scopes, TimeProvider time)
{
    public const string AuditEntity = "User";

    /// <summary>A disabled account is locked out until this moment (stored identically on both providers).</summary>
    public static readonly DateTimeOffset DisabledUntil = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static bool IsDisabled(FleetUser user) => user.LockoutEnd is { } end && end.Year >= 9999;

    public async Task<IReadOnlyList<UserInfo>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FleetDbContext>();
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync(ct);
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        return [.. users.Select(u => Info(u, roles.Where(r => r.UserId == u.Id).Select(r => r.Name ?? "").Order().FirstOrDefault() ?? ""))];
    }

    /// <summary>Creates a user with <paramref name="role"/> and no password; the returned link lets them set one, once.</summary>
    public async Task<InvitedUser> InviteAsync(string? email, string? displayName, string? role, Actor actor, CancellationToken ct = default)
    {
        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 256 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            throw new ValidationException("email", $"'{Shorten(email)}' is not an e-mail address.");
        }

        var name = string.IsNullOrWhiteSpace(displayName) ? email : displayName.Trim();
        if (name.Length > 200 || name.Any(char.IsControl))
        {
            throw new ValidationException("displayName", "displayName must be at most 200 characters, without control characters.");
        }

        CheckRole(role);
        await using var scope = scopes.CreateAsyncScope();
        var (db, users) = Services(scope);
        if (await users.FindByEmailAsync(email) is not null)
        {
            throw new ConcurrencyException($"A user with e-mail {email} already exists.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = new FleetUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name };
        Check(await users.CreateAsync(user), "email");
        Check(await users.AddToRoleAsync(user, role!), "role");
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var info = Info(user, role!);
        db.AuditEntries.Add(AuditLog.Entry(actor, Now, AuditEntity, email, AuditActions.Create, null, Snapshot(info), $"Invited {email} as {role}."));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        var link = $"/account/set-password?user={Uri.EscapeDataString(user.Id)}&token={Uri.EscapeDataString(token)}";
        return new InvitedUser(info, link);
    }

    /// <summary>Gives the user exactly <paramref name="role"/>.</summary>
    public async Task<UserInfo> ChangeRoleAsync(string id, string? role, Actor actor, CancellationToken ct = default)
    {
        CheckRole(role);
        await using var scope = scopes.CreateAsyncScope();
        var (db, users) = Services(scope);
        var user = await FindAsync(users, id);
        var current = (await users.GetRolesAsync(user)).Order().FirstOrDefault() ?? "";
        if (current == role)
        {
            return Info(user, current);
        }

        if (current == Roles.Admin)
        {
            await EnsureAnotherAdminAsync(users, user, "change the role of");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = Info(user, current);
        Check(await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user)), "role");
        Check(await users.AddToRoleAsync(user, role!), "role");
        Check(await users.UpdateSecurityStampAsync(user), "role");
        var after = Info(user, role!);
        db.AuditEntries.Add(AuditLog.Entry(actor, Now, AuditEntity, user.Email ?? id, AuditActions.Update, Snapshot(before), Snapshot(after),
            $"Role of {user.Email}: {current} → {role}."));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return after;
    }

    /// <summary>Disables (cannot sign in; existing sessions end) or enables the user.</summary>
    public async Task<UserInfo> SetDisabledAsync(string id, bool disabled, Actor actor, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (db, users) = Services(scope);
        var user = await FindAsync(users, id);
        var role = (await users.GetRolesAsync(user)).Order().FirstOrDefault() ?? "";
        if (IsDisabled(user) == disabled)
        {
            return Info(user, role);
        }

        if (disabled && role == Roles.Admin)
        {
            await EnsureAnotherAdminAsync(users, user, "disable");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = Info(user, role);
        Check(await users.SetLockoutEnabledAsync(user, true), "disabled");
        Check(await users.SetLockoutEndDateAsync(user, disabled ? DisabledUntil : null), "disabled");
        Check(await users.ResetAccessFailedCountAsync(user), "disabled");
        Check(await users.UpdateSecurityStampAsync(user), "disabled");
        var after = Info(user, role);
        db.AuditEntries.Add(AuditLog.Entry(actor, Now, AuditEntity, user.Email ?? id, AuditActions.Update, Snapshot(before), Snapshot(after),
            disabled ? $"Disabled {user.Email}." : $"Enabled {user.Email}."));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return after;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static (FleetDbContext Db, UserManager<FleetUser> Users) Services(AsyncServiceScope scope) =>
        (scope.ServiceProvider.GetRequiredService<FleetDbContext>(), scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>());

    private static async Task<FleetUser> FindAsync(UserManager<FleetUser> users, string id) =>
        await users.FindByIdAsync(id) ?? throw new NotFoundException($"User {Shorten(id)} does not exist.");

    private static async Task EnsureAnotherAdminAsync(UserManager<FleetUser> users, FleetUser user, string what)
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        if (!admins.Any(a => a.Id != user.Id && !IsDisabled(a)))
        {
            throw new DomainException($"Cannot {what} {user.Email}: it is the last enabled Admin. Make another user Admin first.");
        }
    }

    private static void CheckRole(string? role)
    {
        if (role is null || !Roles.All.Contains(role))
        {
            throw new ValidationException("role", $"Unknown role '{Shorten(role)}'. Roles: {string.Join(", ", Roles.All)}.");
        }
    }

    private static void Check(IdentityResult result, string parameter)
    {
        if (!result.Succeeded)
        {
            throw new ValidationException(parameter, string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private static string Shorten(string? value) =>
        value is null ? "" : value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "…");

    private static object Snapshot(UserInfo u) => new { u.Email, u.DisplayName, u.Role, u.Disabled };

    private static UserInfo Info(FleetUser u, string role) =>
        new(u.Id, u.Email ?? u.UserName ?? "", u.DisplayName, role, IsDisabled(u),
            u.LockoutEnd is { } end && !IsDisabled(u) ? end : null);
}
