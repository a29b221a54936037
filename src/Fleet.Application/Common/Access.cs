namespace Fleet.Application.Common;

/// <summary>The role check every use case starts with: the message names what was tried, the role it needs and the caller's.</summary>
internal static class Access
{
    /// <summary>Throws <see cref="ForbiddenException"/> unless <paramref name="actor"/>'s role satisfies <paramref name="role"/>.</summary>
    public static void Require(Actor actor, string role, string what)
    {
        if (!Roles.Satisfies(actor.Role, role))
        {
            throw new ForbiddenException($"{what} needs the {role} role; you have {actor.Role}.");
        }
    }
}
