using Fleet.Application.Common;

namespace Fleet.Web.Security;

/// <summary>
/// The caller of an endpoint as the audit <see cref="Actor"/>: bound from the authenticated principal (a signed-in user or
/// an API token, the agents' included) and the request's trace id, so a handler takes it as a parameter instead of
/// building it. Who may call a route stays with the route's authorization policy; this only says who did.
/// </summary>
public sealed record RequestActor(Actor Actor)
{
    /// <summary>Minimal APIs' binding convention: called once per request for a parameter of this type.</summary>
    public static ValueTask<RequestActor?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<RequestActor?>(new RequestActor(context.User.ToActor(context.TraceIdentifier)));
    }

    /// <summary>The role the rules check.</summary>
    public string Role => Actor.Role;

    public static implicit operator Actor(RequestActor actor) => actor?.Actor ?? throw new ArgumentNullException(nameof(actor));

    /// <summary>The named alternative to the implicit conversion.</summary>
    public Actor ToActor() => Actor;
}
