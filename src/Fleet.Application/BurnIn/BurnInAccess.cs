using Fleet.Domain.BurnIn;

namespace Fleet.Application.BurnIn;

/// <summary>Who may do what with burn-in work: agents hold jobs, technicians run campaigns, Admin does everything.</summary>
internal static class BurnInAccess
{
    public static void Require(Actor actor, string role, string what)
    {
        if (!Roles.Satisfies(actor.Role, role))
        {
            throw new ForbiddenException($"{what} needs the {role} role; you have {actor.Role}.");
        }
    }

    /// <summary>Why <paramref name="actor"/> may not act on <paramref name="job"/> now, or null when it holds it (Admin acts for any holder).</summary>
    public static string? WhyNotHeld(BurnInJob job, Actor actor, string? agentId, DateTime nowUtc) =>
        job.WhyNotHeldBy(actor.Role == Roles.Admin ? job.HolderPrincipal ?? actor.Name : actor.Name,
            actor.Role == Roles.Admin ? null : agentId, nowUtc);

    public static string Text(string? value, string name, int max, bool required = true)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            return required ? throw new ValidationException(name, $"{name} is required.") : "";
        }

        return v.Length <= max ? v : throw new ValidationException(name, $"{name} is longer than {max} characters.");
    }
}
