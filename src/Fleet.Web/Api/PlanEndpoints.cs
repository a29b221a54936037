using System.Globalization;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Application.Planning;
using Fleet.Domain;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary>
/// <c>/api/plans</c>: the planner's background queue. POST a <c>fleet.scenario/v1</c> (or <c>{ scenario, kind, ... }</c>)
/// → 202 <c>{ id }</c>; GET polls <c>{ state, progress, result }</c> with the result exactly as
/// <c>fleet plan simulate|capacity --json</c> prints it; DELETE cancels. A bad scenario is a 422 whose <c>errors</c> are
/// the CLI's JSON-path messages. Procurement, Finance and Admin run plans; every reader reads them.
/// </summary>
public static class PlanEndpoints
{
    private static readonly string[] s_wrapperFields = ["scenario", "kind", "gpuModel", "targetAttainment", "spares", "surviveDatacenterLoss", "savedScenario"];

    public static RouteGroupBuilder MapPlanApi(this RouteGroupBuilder api)
    {
        var plans = api.MapGroup("/plans").WithTags("Planning");
        plans.MapPost("/", Submit).WithName("SubmitPlan")
            .WithSummary("Queues a plan run: a fleet.scenario/v1 body, or { scenario, kind: simulate|capacity, gpuModel?, targetAttainment?, spares?, surviveDatacenterLoss?, savedScenario? }; 202 { id }, 422 with the scenario's JSON-path errors.")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Procurement, Roles.Finance))
            .WithBodyLimit(PlanningService.MaxScenarioChars + RequestBodyLimits.DefaultApiBytes);
        // 400: a limit that is not a whole number, refused by the binder.
        plans.MapGet("/", async Task<Results<Ok<IReadOnlyList<PlanRunSummary>>, BadRequest<ProblemDetails>>> ([AsParameters] PlanListRequest query,
                IPlanningService s, CancellationToken ct) =>
                TypedResults.Ok(await s.ListAsync(query.SavedScenario, query.Limit ?? 100, ct)))
            .WithName("ListPlans").WithSummary("Plan runs, newest first; ?savedScenario= keeps one saved scenario's history.").RequireAuthorization(Policies.AnyRole);
        plans.MapGet("/{id:int}", Get).WithName("GetPlan")
            .WithSummary("{ state: queued|running|done|failed|cancelled, progress 0–1, result (as `fleet plan ... --json` prints it), warnings, cost }.")
            .RequireAuthorization(Policies.AnyRole);
        plans.MapGet("/{id:int}/result", GetResult).Produces(StatusCodes.Status200OK, contentType: "application/json").WithName("GetPlanResult")
            .WithSummary("The result's JSON text, byte for byte what `fleet plan simulate|capacity --json` prints (404 until done).")
            .RequireAuthorization(Policies.AnyRole);
        plans.MapGet("/{id:int}/scenario", async Task<Results<ContentHttpResult, NotFound>> (int id, IPlanningService s, CancellationToken ct) =>
                await s.GetAsync(id, ct) is { } run ? TypedResults.Text(run.ScenarioJson, "application/json") : TypedResults.NotFound())
            .Produces(StatusCodes.Status200OK, contentType: "application/json").WithName("GetPlanScenario").WithSummary("The run's fleet.scenario/v1 JSON, which `fleet plan simulate --scenario` runs unchanged.")
            .RequireAuthorization(Policies.AnyRole);
        plans.MapDelete("/{id:int}", Cancel).WithName("CancelPlan")
            .WithSummary("Cancels a queued or running run (200 with its state; 409 when it had already ended).")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Procurement, Roles.Finance));
        plans.MapPost("/build", Build).WithName("BuildPlanScenario")
            .WithSummary("Builds a fleet.scenario/v1 from form fields: the in-service fleet, the newest measured profile or the roofline (with a warning).")
            .RequireAuthorization(Policies.AnyRole);
        plans.MapGet("/inventory", async (IPlanningService s, CancellationToken ct) => TypedResults.Ok(await s.InventoryAsync(ct)))
            .WithName("PlanInventory").WithSummary("In-service GPUs per datacenter and GPU model: the planner's default fleet.").RequireAuthorization(Policies.AnyRole);
        plans.MapGet("/scenarios", async (IPlanningService s, CancellationToken ct) => TypedResults.Ok(await s.SavedScenariosAsync(ct)))
            .WithName("ListSavedScenarios").WithSummary("Saved scenarios with their run history.").RequireAuthorization(Policies.AnyRole);
        plans.MapPut("/scenarios/{name}", SaveScenario).WithName("SaveScenario")
            .WithSummary("Saves a named fleet.scenario/v1 (the body); 422 with the JSON-path errors of a bad one.")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Procurement, Roles.Finance))
            .WithBodyLimit(PlanningService.MaxScenarioChars + RequestBodyLimits.DefaultApiBytes);
        plans.MapGet("/{id:int}/buy-plan", async Task<Results<Ok<BuyPlanPreview>, NotFound<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> (int id,
                IPlanningService s, CancellationToken ct) => TypedResults.Ok(await s.BuyPlanAsync(id, ct)))
            .WithName("GetBuyPlan").WithSummary("What a finished capacity run would buy: its answer per datacenter less today's in-service GPUs, priced.")
            .RequireAuthorization(Policies.AnyRole);
        plans.MapPost("/{id:int}/buy-plan", async Task<Results<Created<BuyPlanResult>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>,
            UnprocessableEntity<ProblemDetails>>> (int id, BuyPlanRequest body, RequestActor actor, IPlanningService s, CancellationToken ct) =>
            {
                var result = await s.CreateBuyPlanOrdersAsync(id, body, actor, ct);
                return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/plans/{id}/buy-plan"), result);
            })
            .WithName("CreateBuyPlan").WithSummary("Turns the buy plan into draft purchase orders (one per datacenter), linked to the run.")
            .RequireAuthorization(Policies.Procurement);
        return api;
    }

    /// <summary>The body of the 202 for a queued run: its id (the address to poll is the Location) and its state.</summary>
    public sealed record PlanAccepted(int Id, PlanState State);

    /// <summary>The query of <c>GET /api/plans</c>: one saved scenario's history, and how many runs (100 unless given).</summary>
    public sealed record PlanListRequest([FromQuery(Name = "savedScenario")] string? SavedScenario, [FromQuery(Name = "limit")] int? Limit);

    private static async Task<Results<Accepted<PlanAccepted>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Submit(
        HttpContext http, RequestActor actor, IPlanningService s, CancellationToken ct)
    {
        var body = await ReadBodyAsync(http, ct);
        PlanSubmission submission;
        try
        {
            submission = Unwrap(body);
        }
        catch (PlanScenarioException ex)
        {
            return Invalid(ex);
        }

        try
        {
            var run = await s.SubmitAsync(submission, actor, ct);
            return TypedResults.Accepted(string.Create(CultureInfo.InvariantCulture, $"/api/plans/{run.Id}"), new PlanAccepted(run.Id, run.State));
        }
        catch (PlanScenarioException ex)
        {
            return Invalid(ex);
        }
        catch (PlanQueueFullException ex)
        {
            http.Response.Headers.RetryAfter = "30";
            return TypedResults.Problem(new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "The plan queue is full.", Detail = ex.Message });
        }
    }

    /// <summary>A bare scenario, or the wrapper with the scenario inside it and the run's options.</summary>
    internal static PlanSubmission Unwrap(string body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException)
        {
            return new PlanSubmission(body); // The scenario parser names the line and byte.
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("scenario", out var scenario))
            {
                return new PlanSubmission(body);
            }

            var errors = new List<string>();
            foreach (var p in root.EnumerateObject().Where(p => !s_wrapperFields.Contains(p.Name, StringComparer.Ordinal)))
            {
                errors.Add($"$.{p.Name}: unknown field (known: {string.Join(", ", s_wrapperFields)})");
            }

            if (scenario.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$.scenario: must be a fleet.scenario/v1 object");
            }

            var kind = PlanKind.Simulate;
            if (root.TryGetProperty("kind", out var k))
            {
                switch (k.ValueKind == JsonValueKind.String ? k.GetString() : null)
                {
                    case "simulate":
                        break;
                    case "capacity":
                        kind = PlanKind.Capacity;
                        break;
                    default:
                        errors.Add($"$.kind: must be \"simulate\" or \"capacity\", got {DomainExceptionHandler.Shorten(k.GetRawText(), 40)}");
                        break;
                }
            }

            var gpuModel = Text(root, "gpuModel", errors);
            double? target = null;
            if (root.TryGetProperty("targetAttainment", out var t))
            {
                if (t.ValueKind == JsonValueKind.Number)
                {
                    target = t.GetDouble();
                }
                else
                {
                    errors.Add("$.targetAttainment: must be a number");
                }
            }

            var spares = Flag(root, "spares", errors);
            var survive = Flag(root, "surviveDatacenterLoss", errors);
            var saved = Text(root, "savedScenario", errors);
            if (kind == PlanKind.Simulate && (gpuModel is not null || target is not null || spares || survive))
            {
                errors.Add("$.kind: gpuModel, targetAttainment, spares and surviveDatacenterLoss apply to \"capacity\" runs");
            }

            if (errors.Count > 0)
            {
                throw new PlanScenarioException(errors);
            }

            // Errors inside the scenario keep the CLI's paths ($.workload...), as if the scenario were its own file.
            return new PlanSubmission(scenario.GetRawText(), kind,
                kind == PlanKind.Capacity ? new CapacityRequest(gpuModel, target, spares, survive) : null, saved);
        }
    }

    private static string? Text(JsonElement root, string name, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add($"$.{name}: must be a string");
            return null;
        }

        return v.GetString();
    }

    private static bool Flag(JsonElement root, string name, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add($"$.{name}: must be true or false");
            return false;
        }

        return v.GetBoolean();
    }

    /// <summary>A run as <c>GET /api/plans/{id}</c> shows it: state and kind in lower case, the result as the JSON it is.</summary>
    public sealed record PlanRunView(
        int Id, string State, double Progress, string Kind, string? ScenarioName, string? SavedScenario, string CreatedBy, DateTime CreatedAt,
        DateTime? StartedAt, DateTime? FinishedAt, string? Error, CapacityRequest? Capacity, IReadOnlyList<string> Warnings, PlanCost? Cost, JsonElement? Result);

    private static async Task<Results<Ok<PlanRunView>, NotFound>> Get(int id, IPlanningService s, CancellationToken ct)
    {
        if (await s.GetAsync(id, ct) is not { } run)
        {
            return TypedResults.NotFound();
        }

        JsonElement? result = null;
        if (run.ResultJson is not null)
        {
            using var doc = JsonDocument.Parse(run.ResultJson);
            result = doc.RootElement.Clone();
        }

        var r = run.Run;
        return TypedResults.Ok(new PlanRunView(r.Id, r.State.ToString().ToLowerInvariant(), r.Progress, r.Kind.ToString().ToLowerInvariant(), r.ScenarioName,
            r.SavedScenario, r.CreatedBy, r.CreatedAt, r.StartedAt, r.FinishedAt, r.Error, run.Capacity, run.Warnings, run.Cost, result));
    }

    private static async Task<Results<ContentHttpResult, NotFound>> GetResult(int id, IPlanningService s, CancellationToken ct) =>
        await s.GetAsync(id, ct) is { ResultJson: { } json } ? TypedResults.Text(json, "application/json") : TypedResults.NotFound();

    /// <summary>A run's state after a cancel.</summary>
    public sealed record PlanCancelled(int Id, string State);

    private static async Task<Results<Ok<PlanCancelled>, ProblemHttpResult, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> Cancel(
        int id, RequestActor actor, IPlanningService s, CancellationToken ct)
    {
        var cancelled = await s.CancelAsync(id, actor, ct);
        var run = (await s.GetAsync(id, ct))!.Run;
        if (!cancelled)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Conflict with the current state.",
                Detail = $"Plan run {id} is already {run.State.ToString().ToLowerInvariant()}; only a queued or running run can be cancelled.",
            });
        }

        return TypedResults.Ok(new PlanCancelled(id, run.State.ToString().ToLowerInvariant()));
    }

    private static async Task<Results<Ok<BuiltScenario>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Build(
        ScenarioForm form, IPlanningService s, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await s.BuildScenarioAsync(form, ct));
        }
        catch (PlanScenarioException ex)
        {
            return Invalid(ex);
        }
    }

    private static async Task<Results<Ok<SavedScenarioItem>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> SaveScenario(
        string name, HttpContext http, RequestActor actor, IPlanningService s, CancellationToken ct)
    {
        var body = await ReadBodyAsync(http, ct);
        try
        {
            return TypedResults.Ok(await s.SaveScenarioAsync(name, body, actor, ct));
        }
        catch (PlanScenarioException ex)
        {
            return Invalid(ex);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(ct);
        if (body.Contains('\0', StringComparison.Ordinal) || body.Contains("\\u0000", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("body", "The scenario contains a NUL character (U+0000), which text may not hold.");
        }

        return body;
    }

    /// <summary>422 with every error, each starting with its JSON path, as <c>fleet plan</c> prints them.</summary>
    internal static ProblemHttpResult Invalid(PlanScenarioException ex) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "The scenario is not valid; nothing was queued.",
        Detail = DomainExceptionHandler.Shorten(string.Join("; ", ex.Errors)),
        Extensions = { ["errors"] = ex.Errors.Take(100).Select(e => DomainExceptionHandler.Shorten(e, 500)).ToList() },
    });
}
