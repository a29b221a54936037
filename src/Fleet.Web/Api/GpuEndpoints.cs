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
    private static readonly HashSet<string> s_listParameters =
        new(["status", "datacenter", "model", "search", "page", "pageSize", "sort", "after", "before", "count"], StringComparer.OrdinalIgnoreCase);

    public static RouteGroupBuilder MapGpuApi(this RouteGroupBuilder api)
    {
        var gpus = api.MapGroup("/gpus").WithTags("GPUs");
        gpus.MapGet("/", List).WithName("ListGpus")
            .WithSummary("Pages through the fleet with filters and sort; status, datacenter and model take several values (repeated or comma-separated).").RequireAuthorization(Policies.AnyRole);
        gpus.MapGet("/export", Export).WithName("ExportGpus").WithSummary("The filtered fleet as CSV (UTF-8 BOM, formula-safe).")
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

    /// <summary>Reads the grid's query parameters, refusing unknown ones and non-numeric paging with the parameter's name.</summary>
    public static GpuQuery ReadQuery(IQueryCollection q)
    {
        foreach (var key in q.Keys.Where(k => !s_listParameters.Contains(k)))
        {
            throw new ValidationException(key, $"Unknown query parameter '{key}'. Valid: {string.Join(", ", s_listParameters)}.");
        }

        int Int(string name, int fallback)
        {
            var raw = q[name].ToString();
            if (raw.Length == 0)
            {
                return fallback;
            }

            return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ValidationException(name, $"{name} must be a whole number, got '{DomainExceptionHandler.Shorten(raw, 40)}'.");
        }

        string? Text(string name) => q[name].ToString() is { Length: > 0 } s ? s : null;

        // Repeated (status=Failed&status=InService) or a comma list (status=Failed,InService), or both.
        string? Many(string name) => GpuQuery.Join(q[name].SelectMany(v => GpuQuery.Values(v)));
        var query = new GpuQuery
        {
            Status = Many("status"), Datacenter = Many("datacenter"), Model = Many("model"), Search = Text("search"),
            Page = Int("page", 1), PageSize = Int("pageSize", 50), Sort = Text("sort"), After = Text("after"), Before = Text("before"),
            ExactCount = Text("count")?.ToUpperInvariant() switch
            {
                null or "ESTIMATE" => false,
                "EXACT" => true,
                _ => throw new ValidationException("count", $"count must be exact or estimate, got '{DomainExceptionHandler.Shorten(q["count"].ToString(), 40)}'."),
            },
        };
        if ((query.Page - 1L) * query.PageSize > int.MaxValue)
        {
            throw new ValidationException("page", string.Create(CultureInfo.InvariantCulture,
                $"page {query.Page} × pageSize {query.PageSize} lies beyond any result; the rows skipped must stay under {int.MaxValue:N0}."));
        }

        return query;
    }

    private static async Task<Ok<GpuListPage>> List(HttpRequest request, InventoryService inventory, CancellationToken ct) =>
        TypedResults.Ok(await inventory.ListAsync(ReadQuery(request.Query), ct));

    private static async Task<Ok<GpuDetail>> Get(string serial, HttpContext http, InventoryService inventory, CancellationToken ct) =>
        TypedResults.Ok(await inventory.GetAsync(serial, http.User.ToActor().Role, ct));

    private static async Task<Ok<IReadOnlyList<AuditItem>>> History(string serial, InventoryService inventory, CancellationToken ct) =>
        TypedResults.Ok(await inventory.HistoryAsync(serial, ct));

    private static async Task<Ok<GpuListItem>> Transition(string serial, TransitionRequest body, HttpContext http, InventoryService inventory,
        CancellationToken ct) =>
        TypedResults.Ok(await inventory.TransitionAsync(serial, body, http.User.ToActor(http.TraceIdentifier), ct));

    private static async Task Export(HttpContext http, GpuExportService export, TimeProvider time, CancellationToken ct)
    {
        var query = ReadQuery(http.Request.Query) with { Page = 1, PageSize = 1 };
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"fleet-gpus-{time.GetUtcNow():yyyyMMdd-HHmm}.csv\"";
        await export.ExportAsync(query, http.Response.Body, ct);
    }

    private static async Task<IResult> Import(HttpContext http, GpuImportService importer, CancellationToken ct,
        [FromQuery] string? dryRun = null, [FromQuery] string? mode = null)
    {
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

        var result = await importer.ImportAsync(body, importMode, isDryRun, http.User.ToActor(http.TraceIdentifier), ct);
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
