using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Export;
using Fleet.Application.Import;
using Fleet.Application.Inventory;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary><c>/api/gpus</c>, <c>/api/datacenters</c>, <c>/api/models</c>: the inventory over HTTP.</summary>
public static class GpuEndpoints
{
    public static RouteGroupBuilder MapGpuApi(this RouteGroupBuilder api)
    {
        var gpus = api.MapGroup("/gpus").WithTags("GPUs");
        gpus.MapGet("/", List).AcceptsOnlyQueryOf<GpuListRequest>().WithName("ListGpus")
            .WithSummary("Pages through the fleet with filters and sort; status, datacenter and model take several values (repeated or comma-separated).").RequireAuthorization(Policies.AnyRole);
        // A streamed file is no typed result: Produces and ProducesProblem name the CSV and the 400 of a bad query.
        gpus.MapGet("/export", Export).AcceptsOnlyQueryOf<GpuListRequest>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).WithName("ExportGpus").WithSummary("The filtered fleet as CSV (UTF-8 BOM, formula-safe).")
            .RequireAuthorization(Policies.AnyRole);
        gpus.MapPost("/import", Import).WithName("ImportGpus").WithSummary("Validates, and unless dryRun commits, a GPU CSV all-or-nothing.")
            .RequireAuthorization(Policies.Procurement).DisableAntiforgery()
            .WithBodyLimit(((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<ImportOptions>().MaxBytes + RequestBodyLimits.DefaultApiBytes);
        gpus.MapGet("/{serial}", Get).WithName("GetGpu").WithSummary("One card with specs, placement history and allowed transitions.")
            .RequireAuthorization(Policies.AnyRole).WithETag(Versioned.Gpu);
        gpus.MapGet("/{serial}/history", History).WithName("GetGpuHistory").WithSummary("The card's audit trail, newest first.")
            .RequireAuthorization(Policies.AnyRole);
        gpus.MapPost("/{serial}/transitions", Transition).WithName("TransitionGpu").WithSummary("Moves the card through its lifecycle.")
            .RequireAuthorization(Policies.AnyRole).RequireVersion(Versioned.Gpu);
        api.MapGet("/datacenters", async (InventoryService inventory, CancellationToken ct) => TypedResults.Ok(await inventory.DatacentersAsync(ct)))
            .WithTags("Inventory").WithName("ListDatacenters").WithSummary("Datacenters with rack, host and GPU counts.").RequireAuthorization(Policies.AnyRole);
        api.MapGet("/models", async (InventoryService inventory, CancellationToken ct) => TypedResults.Ok(await inventory.ModelsAsync(ct)))
            .WithTags("Inventory").WithName("ListModels").WithSummary("The GPU model catalog with fleet counts.").RequireAuthorization(Policies.AnyRole);
        return api;
    }

    /// <summary>
    /// The grid's query (<c>GET /api/gpus</c> and <c>/api/gpus/export</c>). status, datacenter and model take several
    /// values, repeated (<c>status=Failed&amp;status=InService</c>), comma-separated, or both. Paging and count are bound as
    /// text so a bad value is refused naming the parameter, in the grid's words, rather than by the binder.
    /// </summary>
    public sealed record GpuListRequest(
        [FromQuery(Name = "status")] string[]? Status,
        [FromQuery(Name = "datacenter")] string[]? Datacenter,
        [FromQuery(Name = "model")] string[]? Model,
        [FromQuery(Name = "search")] string? Search,
        [FromQuery(Name = "page")] string? Page,
        [FromQuery(Name = "pageSize")] string? PageSize,
        [FromQuery(Name = "sort")] string? Sort,
        [FromQuery(Name = "after")] string? After,
        [FromQuery(Name = "before")] string? Before,
        [FromQuery(Name = "count")] string? Count)
    {
        /// <summary>The inventory query, refusing non-numeric paging and an unknown count mode with the parameter's name.</summary>
        public GpuQuery ToQuery()
        {
            static int Int(string name, string? raw, int fallback)
            {
                if (string.IsNullOrEmpty(raw))
                {
                    return fallback;
                }

                return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new ValidationException(name, $"{name} must be a whole number, got '{DomainExceptionHandler.Shorten(raw, 40)}'.");
            }

            // Repeated (status=Failed&status=InService) or a comma list (status=Failed,InService), or both.
            static string? Many(string[]? values) => GpuQuery.Join((values ?? []).SelectMany(v => GpuQuery.Values(v)));
            var query = new GpuQuery
            {
                Status = Many(Status), Datacenter = Many(Datacenter), Model = Many(Model), Search = QueryParameters.Text(Search),
                Page = Int("page", Page, 1), PageSize = Int("pageSize", PageSize, 50), Sort = QueryParameters.Text(Sort),
                After = QueryParameters.Text(After), Before = QueryParameters.Text(Before),
                ExactCount = QueryParameters.Text(Count)?.ToUpperInvariant() switch
                {
                    null or "ESTIMATE" => false,
                    "EXACT" => true,
                    _ => throw new ValidationException("count", $"count must be exact or estimate, got '{DomainExceptionHandler.Shorten(Count, 40)}'."),
                },
            };
            if ((query.Page - 1L) * query.PageSize > int.MaxValue)
            {
                throw new ValidationException("page", string.Create(CultureInfo.InvariantCulture,
                    $"page {query.Page} × pageSize {query.PageSize} lies beyond any result; the rows skipped must stay under {int.MaxValue:N0}."));
            }

            return query;
        }
    }

    private static async Task<Results<Ok<GpuListPage>, BadRequest<ProblemDetails>>> List([AsParameters] GpuListRequest query, InventoryService inventory,
        CancellationToken ct) =>
        TypedResults.Ok(await inventory.ListAsync(query.ToQuery(), ct));

    private static async Task<Results<Ok<GpuDetail>, NotFound<ProblemDetails>>> Get(string serial, RequestActor actor, InventoryService inventory, CancellationToken ct) =>
        TypedResults.Ok(await inventory.GetAsync(serial, actor.Role, ct));

    private static async Task<Results<Ok<IReadOnlyList<AuditItem>>, NotFound<ProblemDetails>>> History(string serial, InventoryService inventory, CancellationToken ct) =>
        TypedResults.Ok(await inventory.HistoryAsync(serial, ct));

    private static async Task<Results<Ok<GpuListItem>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>,
        UnprocessableEntity<ProblemDetails>>> Transition(string serial, TransitionRequest body, RequestActor actor, InventoryService inventory,
        CancellationToken ct) =>
        TypedResults.Ok(await inventory.TransitionAsync(serial, body, actor, ct));

    private static async Task Export([AsParameters] GpuListRequest request, HttpContext http, GpuExportService export, TimeProvider time,
        CancellationToken ct)
    {
        var query = request.ToQuery() with { Page = 1, PageSize = 1 };
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"fleet-gpus-{time.GetUtcNow():yyyyMMdd-HHmm}.csv\"";
        await export.ExportAsync(query, http.Response.Body, ct);
    }

    /// <summary>The query of <c>POST /api/gpus/import</c>: <c>dryRun</c> (true|false|1|0) and <c>mode</c> (insert|upsert), bound as text so a bad value is refused by name.</summary>
    public sealed record GpuImportRequest([FromQuery(Name = "dryRun")] string? DryRun, [FromQuery(Name = "mode")] string? Mode);

    private static async Task<Results<Ok<ImportResult>, ProblemHttpResult, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Import(
        [AsParameters] GpuImportRequest query, HttpContext http, RequestActor actor, GpuImportService importer, CancellationToken ct)
    {
        var (dryRun, mode) = (query.DryRun, query.Mode);
        var isDryRun = dryRun?.ToUpperInvariant() switch
        {
            null or "" or "FALSE" or "0" => false,
            "TRUE" or "1" => true,
            _ => throw new ValidationException("dryRun", $"dryRun must be true or false, got '{dryRun}'."),
        };
        var importMode = mode?.ToUpperInvariant() switch
        {
            null or "" or "INSERT" => ImportMode.Insert,
            "UPSERT" => ImportMode.Upsert,
            _ => throw new ValidationException("mode", $"mode must be insert or upsert, got '{mode}'."),
        };

        Stream body;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(ct);
            body = form.Files.Count == 1
                ? form.Files[0].OpenReadStream()
                : throw new ValidationException("file", $"Send exactly one CSV file in the form; got {form.Files.Count}.");
        }
        else
        {
            body = http.Request.Body;
        }

        var result = await importer.ImportAsync(body, importMode, isDryRun, actor, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(result);
        }

        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The CSV has errors; nothing was written.",
            Detail = DomainExceptionHandler.Shorten($"{result.Errors.Count} error(s). The first: line {result.Errors[0].Line}, {result.Errors[0].Message}"),
            Extensions =
            {
                ["dryRun"] = result.DryRun,
                ["inserted"] = 0,
                ["updated"] = 0,
                ["errors"] = Shortened(result.Errors),
            },
        });
    }

    /// <summary>Import and delivery errors with each value and message cut short, so a huge cell is never sent back whole.</summary>
    public static IReadOnlyList<ImportError> Shortened(IReadOnlyList<ImportError> errors) =>
        errors.Select(e => e with { Value = DomainExceptionHandler.Shorten(e.Value, 200), Message = DomainExceptionHandler.Shorten(e.Message)! }).ToList();
}
