using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Application.Reports;
using Fleet.Domain;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary>
/// <c>/api/reports</c> (every report as CSV, XLSX or JSON), <c>/api/budgets</c> and <c>/api/depreciation-policies</c>
/// (Finance edits), <c>/api/profiles</c> (inference profiles for cost per token).
/// </summary>
public static class ReportEndpoints
{
    private const int MaxProfileChars = 4 * 1024 * 1024;

    public static RouteGroupBuilder MapReportApi(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports");
        reports.MapGet("/", () => TypedResults.Ok(ReportService.Names)).WithName("ListReports").WithSummary("The report names.")
            .RequireAuthorization(Policies.AnyRole);
        reports.MapGet("/{name}", Run).AcceptsOnlyQueryOf<ReportRequest>().WithName("GetReport")
            .WithSummary("A report as CSV (default; UTF-8 BOM, formula-safe), format=xlsx or format=json. asOf/from/to are yyyy-MM-dd.")
            .RequireAuthorization(Policies.AnyRole);

        var budgets = api.MapGroup("/budgets").WithTags("Finance");
        budgets.MapGet("/", async (FinanceService s, CancellationToken ct) => TypedResults.Ok(await s.BudgetsAsync(ct)))
            .WithName("ListBudgets").WithSummary("Capex budgets per datacenter and fiscal year.").RequireAuthorization(Policies.AnyRole);
        budgets.MapPut("/", async Task<Results<Ok<BudgetItem>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> (BudgetRequest body, RequestActor actor, FinanceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SetBudgetAsync(body, actor, ct)))
            .WithName("SetBudget").WithSummary("Sets a datacenter's budget for a fiscal year.").RequireAuthorization(Policies.Finance)
            .RequireVersion(Versioned.Budget);

        var policies = api.MapGroup("/depreciation-policies").WithTags("Finance");
        policies.MapGet("/", async (FinanceService s, CancellationToken ct) => TypedResults.Ok(await s.PoliciesAsync(ct)))
            .WithName("ListDepreciationPolicies").WithSummary("Life and salvage floor per GPU model.").RequireAuthorization(Policies.AnyRole);
        policies.MapPut("/{model}", async Task<Results<Ok<PolicyItem>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>,
                UnprocessableEntity<ProblemDetails>>> (string model, PolicyRequest body, RequestActor actor, FinanceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SetPolicyAsync(model, body, actor, ct)))
            .WithName("SetDepreciationPolicy").WithSummary("Sets a model's depreciation life and salvage floor.").RequireAuthorization(Policies.Finance)
            .RequireVersion(Versioned.DepreciationPolicy);

        var profiles = api.MapGroup("/profiles").WithTags("Finance");
        profiles.MapGet("/", async (FinanceService s, CancellationToken ct) => TypedResults.Ok(await s.ProfilesAsync(ct)))
            .WithName("ListProfiles").WithSummary("Uploaded inference profiles.").RequireAuthorization(Policies.AnyRole);
        profiles.MapPost("/", UploadProfile).WithName("UploadProfile")
            .WithSummary("Stores an inference profile (the JSON `fleet infer profile` writes) for cost per million tokens.")
            .RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Technician, Roles.Finance))
            .WithBodyLimit(MaxProfileChars + RequestBodyLimits.DefaultApiBytes);
        return api;
    }

    /// <summary>A report as <c>format=json</c> sends it.</summary>
    public sealed record ReportJson(
        string Name, string Title, string Notes, IReadOnlyList<ReportJsonColumn> Columns, IReadOnlyList<object?[]> Rows, IReadOnlyList<ReportTotal> Totals,
        IReadOnlyList<string> Warnings);

    /// <summary>A column of <see cref="ReportJson"/>: its kind as text (Text, Money, ...).</summary>
    public sealed record ReportJsonColumn(string Name, string Title, string Kind);

    /// <summary>Parses a yyyy-MM-dd parameter in 1900–2199 or throws naming it.</summary>
    public static DateOnly ParseDate(string name, string raw)
    {
        if (!DateOnly.TryParseExact(raw.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            throw new ValidationException(name, $"{name} must be a date as yyyy-MM-dd, got '{DomainExceptionHandler.Shorten(raw, 40)}'.");
        }

        InputGuard.CheckDate(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), name);
        return d;
    }

    /// <summary>
    /// The query of <c>GET /api/reports/{name}</c>: dates as yyyy-MM-dd, the filters, <c>scope</c> (register|purchased),
    /// <c>format</c> (csv|xlsx|json) and an operating point (<c>batch</c> and <c>context</c> together), bound as text so a
    /// bad value is refused by name.
    /// </summary>
    public sealed record ReportRequest(
        [FromQuery(Name = "asOf")] string? AsOf,
        [FromQuery(Name = "from")] string? From,
        [FromQuery(Name = "to")] string? To,
        [FromQuery(Name = "datacenter")] string? Datacenter,
        [FromQuery(Name = "model")] string? Model,
        [FromQuery(Name = "vendor")] string? Vendor,
        [FromQuery(Name = "po")] string? Po,
        [FromQuery(Name = "currency")] string? Currency,
        [FromQuery(Name = "scope")] string? Scope,
        [FromQuery(Name = "format")] string? Format,
        [FromQuery(Name = "batch")] string? Batch,
        [FromQuery(Name = "context")] string? Context)
    {
        /// <summary>The report query, refusing malformed dates, scopes and operating points by name.</summary>
        public ReportQuery ToQuery()
        {
            static string? Text(string? raw) => raw is { Length: > 0 } s ? s.Trim() : null;
            static DateOnly? Date(string name, string? raw) => Text(raw) is { } text ? ParseDate(name, text) : null;
            var scope = Text(Scope)?.ToUpperInvariant() switch
            {
                null or "REGISTER" => CardScope.Register,
                "PURCHASED" => CardScope.Purchased,
                _ => throw new ValidationException("scope", $"scope must be register or purchased, got '{Text(Scope)}'."),
            };
            static double? Number(string name, string? value) => Text(value) is not { } raw ? null
                : double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x
                : throw new ValidationException(name, $"{name} must be a number, got '{DomainExceptionHandler.Shorten(raw, 40)}'.");
            var (batch, context) = (Number("batch", Batch), Number("context", Context));
            if ((batch is null) != (context is null))
            {
                throw new ValidationException(batch is null ? "batch" : "context", "batch and context state an operating point together: give both or neither.");
            }

            if (batch is < 1 or > 100_000 || context is < 0 or > 10_000_000)
            {
                throw new ValidationException(batch is < 1 or > 100_000 ? "batch" : "context",
                    string.Create(CultureInfo.InvariantCulture, $"batch must be 1 to 100,000 and context 0 to 10,000,000 tokens, got batch {batch}, context {context}."));
            }

            return new ReportQuery
            {
                AsOf = Date("asOf", AsOf), From = Date("from", From), To = Date("to", To), Datacenter = Text(Datacenter), Model = Text(Model),
                Vendor = Text(Vendor), PoNumber = Text(Po), Currency = Text(Currency), Scope = scope,
                OperatingPoint = batch is { } b && context is { } c ? new Fleet.Domain.Finance.OperatingPoint(b, c) : null,
            };
        }
    }

    private static async Task<Results<Ok<ReportJson>, EmptyHttpResult, BadRequest<ProblemDetails>, NotFound<ProblemDetails>>> Run(
        string name, [AsParameters] ReportRequest query, HttpContext http, ReportService reports, TimeProvider time, CancellationToken ct)
    {
        var format = (query.Format ?? "").ToUpperInvariant() switch
        {
            "" or "CSV" => "csv",
            "XLSX" => "xlsx",
            "JSON" => "json",
            var other => throw new ValidationException("format", $"format must be csv, xlsx or json, got '{other.ToLowerInvariant()}'."),
        };
        var table = await reports.RunAsync(name, query.ToQuery(), ct);
        if (format == "json")
        {
            return TypedResults.Ok(new ReportJson(
                table.Name, table.Title, table.Notes, table.Columns.Select(c => new ReportJsonColumn(c.Name, c.Title, c.Kind.ToString())).ToList(),
                table.Rows.Select(r => r.Cells).ToList(), table.Totals, table.Warnings));
        }

        var file = $"fleet-{name}-{time.GetUtcNow():yyyyMMdd-HHmm}.{format}";
        http.Response.ContentType = format == "csv" ? ReportExporter.CsvContentType : ReportExporter.XlsxContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{file}\"";
        if (format == "csv")
        {
            await ReportExporter.WriteCsvAsync(table, http.Response.Body, ct);
        }
        else
        {
            await ReportExporter.WriteXlsxAsync(table, http.Response.Body, ct);
        }

        return TypedResults.Empty;
    }

    private static async Task<Results<Ok<ProfileItem>, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> UploadProfile(HttpContext http, RequestActor actor, FinanceService s, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body);
        var json = await reader.ReadToEndAsync(ct);
        if (json.Length > MaxProfileChars)
        {
            throw new ValidationException("body", "A profile is at most 4 MiB.");
        }

        // A NUL, raw or as the escape \u0000, would reach a text column inside the profile.
        if (json.Contains('\0', StringComparison.Ordinal) || json.Contains("\\u0000", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("body", "The profile contains a NUL character (U+0000), which text may not hold.");
        }

        return TypedResults.Ok(await s.UploadProfileAsync(json, actor, ct));
    }
}
