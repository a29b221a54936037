using Fleet.Data;
using Fleet.Data.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Web.Api;

/// <summary>Health and account endpoints.</summary>
public static class SystemEndpoints
{
    public static WebApplication MapSystemEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", Health).WithTags("System").WithName("Health").WithSummary("Reports whether the database answers (503 when it does not).")
            .Produces<HealthReport<UnreachableDatabase>>(StatusCodes.Status503ServiceUnavailable).AllowAnonymous();
        app.MapPost("/account/logout", async (SignInManager<FleetUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/login");
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>The body of <c>/healthz</c>: <c>healthy</c> or <c>unhealthy</c>, and what the database said.</summary>
    public sealed record HealthReport<TDatabase>(string Status, TDatabase Database);

    /// <summary>A database that answered: its provider, the migrations it still lacks and how many GPUs it holds.</summary>
    public sealed record ReachableDatabase(string Provider, bool Reachable, int PendingMigrations, int Gpus);

    /// <summary>A database that did not answer, and why.</summary>
    public sealed record UnreachableDatabase(string Provider, bool Reachable, string Error);

    // A 503 with a body is no typed result of its own: the Json result says it, and Produces lists it in the document.
    private static async Task<Results<Ok<HealthReport<ReachableDatabase>>, JsonHttpResult<HealthReport<UnreachableDatabase>>>> Health(
        IDbContextFactory<FleetDbContext> contexts, IDatabaseProvider provider, CancellationToken ct)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var gpus = await db.Gpus.CountAsync(ct);
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            return TypedResults.Ok(new HealthReport<ReachableDatabase>("healthy", new ReachableDatabase(provider.Name, true, pending, gpus)));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return TypedResults.Json(new HealthReport<UnreachableDatabase>("unhealthy", new UnreachableDatabase(provider.Name, false, ex.Message)),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
