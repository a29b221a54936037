using System.Security.Claims;
using Fleet.Data.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Security;

/// <summary>
/// An open Blazor circuit re-checks its user's security stamp every minute, so signing out elsewhere, a role change
/// or disabling the account ends interactive pages too, not only the next HTTP request.
/// </summary>
public sealed class RevalidatingUserState(ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        if (state.User.Identity?.AuthenticationType != IdentityConstants.ApplicationScheme)
        {
            return true;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        var user = await users.GetUserAsync(state.User);
        if (user is null || UserAdministration.IsDisabled(user))
        {
            return false;
        }

        var stamp = state.User.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return !users.SupportsUserSecurityStamp || stamp == await users.GetSecurityStampAsync(user);
    }
}
