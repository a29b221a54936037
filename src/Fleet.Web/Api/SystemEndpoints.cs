using Fleet.Data;
using Fleet.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Web.Api;

/// <summary>Health and account endpoints.</summary>
public static class SystemEndpoints
{
    public static WebApplication MapSystemEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", Health).WithTags("System").WithName("Health").WithSummary("Reports whether the database answers.").AllowAnonymous();
        app.MapPost("/account/logout", async (SignInManager<FleetUser> signIn, [FromForm] string? returnUrl) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/login");
        }).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Health(IDbContextFactory<FleetDbContext> contexts, IDatabaseProvider provider, CancellationToken ct)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var gpus = await db.Gpus.CountAsync(ct);
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            return TypedResults.Ok(new { status = "healthy", database = new { provider = provider.Name, reachable = true, pendingMigrations = pending, gpus } });
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return TypedResults.Json(new { status = "unhealthy", database = new { provider = provider.Name, reachable = false, error = ex.Message } },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
