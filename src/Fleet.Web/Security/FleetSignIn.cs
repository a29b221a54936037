using Fleet.Data.Identity;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Web.Security;

/// <summary>
/// Password sign-in that does not tell who has an account: an unknown e-mail, a wrong password, a locked or disabled
/// account all get <see cref="FailedMessage"/> and one password hash's worth of work. Five failures lock the account
/// (Identity's lockout); the cookie is persistent only when the user asks to be remembered.
/// </summary>
public sealed class FleetSignIn(SignInManager<FleetUser> signIn, UserManager<FleetUser> users, IPasswordHasher<FleetUser> hasher)
{
    public const string FailedMessage =
        "Wrong e-mail or password, or the account is locked (five failed attempts lock it for five minutes) or disabled.";

    private static readonly FleetUser s_nobody = new() { UserName = "nobody@fleet.invalid" };
    private static readonly string s_dummyHash = new PasswordHasher<FleetUser>().HashPassword(s_nobody, Guid.NewGuid().ToString("N"));

    /// <summary>Signs in (sets the cookie) and returns true, or returns false having done the same work.</summary>
    public async Task<bool> PasswordSignInAsync(string email, string password, bool rememberMe)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            // Identity returns at once for both; hash anyway so the answer takes as long as a wrong password.
            hasher.VerifyHashedPassword(s_nobody, s_dummyHash, password);
            return false;
        }

        var result = await signIn.PasswordSignInAsync(user, password, rememberMe, lockoutOnFailure: true);
        return result.Succeeded;
    }
}
