using System.Globalization;
using Fleet.Application.Inventory;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary><c>POST /api/gpus/transitions</c> and <c>/api/gpus/edits</c>: one action on many cards.</summary>
public static class GpuBulkEndpoints
{
    /// <summary>10,000 serials of up to 64 characters, JSON-quoted, with room for the rest of the body.</summary>
    public const long MaxBodyBytes = (GpuBulkService.MaxCards * 70L) + (64 * 1024);

    public static RouteGroupBuilder MapGpuBulkApi(this RouteGroupBuilder api)
    {
        var gpus = api.MapGroup("/gpus").WithTags("GPUs");
        gpus.MapPost("/transitions", Transition).WithName("TransitionGpus")
            .WithSummary("Moves many cards at once: all-or-nothing (422 names every refused card), or partial: true for those that can.")
            .RequireAuthorization(Policies.AnyRole).WithBodyLimit(MaxBodyBytes);
        gpus.MapPost("/edits", Edit).WithName("EditGpus")
            .WithSummary("Sets the asset tag, notes or placement of many cards at once, all-or-nothing unless partial: true.")
            .RequireAuthorization(Policies.AnyRole).WithBodyLimit(MaxBodyBytes);
        return api;
    }

    private static async Task<Results<Ok<BulkResult>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Transition(
        BulkTransitionRequest body, RequestActor actor, GpuBulkService bulk, CancellationToken ct) =>
        Respond(await bulk.TransitionAsync(body, actor, ct), "moved");

    private static async Task<Results<Ok<BulkResult>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Edit(
        BulkEditRequest body, RequestActor actor, GpuBulkService bulk, CancellationToken ct) =>
        Respond(await bulk.EditAsync(body, actor, ct), "changed");

    private static Results<Ok<BulkResult>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>> Respond(
        BulkResult result, string verb)
    {
        if (result.Applied || result.Errors.Count == 0)
        {
            return TypedResults.Ok(result);
        }

        var first = result.Errors[0];
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = $"Some cards cannot be {verb}; nothing was written.",
            Detail = DomainExceptionHandler.Shorten(string.Create(CultureInfo.InvariantCulture,
                $"{result.Errors.Count:N0} card(s) refused. The first: {first.Serial}: {first.Message} Send \"partial\": true to apply to the others.")),
            Extensions =
            {
                ["errors"] = result.Errors.Select(e => new BulkError(DomainExceptionHandler.Shorten(e.Serial, 100)!, DomainExceptionHandler.Shorten(e.Message)!)).ToList(),
            },
        });
    }
}
