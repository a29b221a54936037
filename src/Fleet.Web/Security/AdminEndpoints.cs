using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Security;

/// <summary><c>/api/tokens</c> and <c>/api/users</c>: API tokens and user accounts, Admin only, every change audited.</summary>
public static class AdminEndpoints
{
    /// <summary>The body of <c>POST /api/tokens</c>: a name saying who uses it, its role, and its lifetime in days (default 90).</summary>
    public sealed record IssueTokenBody(string? Name, string? Role, int? ExpiresInDays);

    /// <summary>The body of <c>POST /api/users</c>.</summary>
    public sealed record InviteUserBody(string? Email, string? DisplayName, string? Role);

    /// <summary>The body of <c>PATCH /api/users/{id}</c>: the fields to change.</summary>
    public sealed record UpdateUserBody(string? Role, bool? Disabled);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").WithTags("Admin").RequireAuthorization(Policies.Admin);
        tokens.MapGet("/", async (ApiTokens s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListApiTokens").WithSummary("Every API token (never its value), with expiry, last use and revocation.");
        tokens.MapPost("/", async Task<Results<Created<IssuedApiToken>, BadRequest<ProblemDetails>>> (IssueTokenBody body, RequestActor actor, ApiTokens s,
                CancellationToken ct) =>
            {
                var issued = await s.IssueAsync(body.Name, body.Role, body.ExpiresInDays, actor, ct);
                return TypedResults.Created($"/api/tokens/{issued.Info.Id}", issued);
            })
            .WithName("IssueApiToken").WithSummary("Issues a token for a role; its value is in this response only.");
        tokens.MapDelete("/{id:int}", async Task<Results<Ok<ApiTokenInfo>, NotFound<ProblemDetails>>> (int id, RequestActor actor, ApiTokens s,
                CancellationToken ct) =>
                TypedResults.Ok(await s.RevokeAsync(id, actor, ct)))
            .WithName("RevokeApiToken").WithSummary("Revokes a token: it is refused from now on.");

        var users = app.MapGroup("/api/users").WithTags("Admin").RequireAuthorization(Policies.Admin);
        users.MapGet("/", async (UserAdministration s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListUsers").WithSummary("Every user with role and whether it is disabled.");
        users.MapPost("/", async Task<Results<Created<InvitedUser>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>>> (InviteUserBody body, RequestActor actor,
                UserAdministration s, CancellationToken ct) =>
            {
                var invited = await s.InviteAsync(body.Email, body.DisplayName, body.Role, actor, ct);
                return TypedResults.Created($"/api/users/{invited.User.Id}", invited);
            })
            .WithName("InviteUser").WithSummary("Creates a user with a role; the response's one-time link (valid a day) sets the password.");
        // 422: the change would leave no enabled Admin.
        users.MapPatch("/{id}", async Task<Results<Ok<UserInfo>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> (
            string id, UpdateUserBody body, RequestActor actor, UserAdministration s, CancellationToken ct) =>
            {
                if (body.Role is null && body.Disabled is null)
                {
                    throw new Fleet.Application.Common.ValidationException("role", "Send role, disabled or both.");
                }

                UserInfo? result = null;
                if (body.Role is not null)
                {
                    result = await s.ChangeRoleAsync(id, body.Role, actor, ct);
                }

                if (body.Disabled is { } disabled)
                {
                    result = await s.SetDisabledAsync(id, disabled, actor, ct);
                }

                return TypedResults.Ok(result!);
            })
            .WithName("UpdateUser").WithSummary("Changes a user's role and/or disables or enables them; their sessions end.");
        return app;
    }
}
