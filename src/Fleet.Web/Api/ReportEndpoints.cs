using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Application.Reports;
using Fleet.Domain;
using Fleet.Web.Security;

namespace Fleet.Web.Api;

/// <summary>
/// <c>/api/reports</c> (every report as CSV, XLSX or JSON), <c>/api/budgets</c> and <c>/api/depreciation-policies</c>
/// (Finance edits), <c>/api/profiles</c> (inference profiles for cost per token).
/// </summary>
public static class ReportEndpoints
{
    private const int MaxProfileChars = 4 * 1024 * 1024;

    private static readonly HashSet<string> s_parameters =
        new(["asOf", "from", "to", "datacenter", "model", "vendor", "po", "currency", "scope", "format", "batch", "context"], StringComparer.OrdinalIgnoreCase);

    public static RouteGroupBuilder MapReportApi(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports");
        reports.MapGet("/", () => TypedResults.Ok(ReportService.Names)).WithName("ListReports").WithSummary("The report names.")
            .RequireAuthorization(Policies.AnyRole);
        reports.MapGet("/{name}", Run).WithName("GetReport")
            .WithSummary("A report as CSV (default; UTF-8 BOM, formula-safe), format=xlsx or format=json. asOf/from/to are yyyy-MM-dd.")
            .RequireAuthorization(Policies.AnyRole);

        var budgets = api.MapGroup("/budgets").WithTags("Finance");
        budgets.MapGet("/", async (FinanceService s, CancellationToken ct) => TypedResults.Ok(await s.BudgetsAsync(ct)))
            .WithName("ListBudgets").WithSummary("Capex budgets per datacenter and fiscal year.").RequireAuthorization(Policies.AnyRole);
        budgets.MapPut("/", async (BudgetRequest body, HttpContext http, FinanceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SetBudgetAsync(body, http.User.ToActor(http.TraceIdentifier), ct)))
            .WithName("SetBudget").WithSummary("Sets a datacenter's budget for a fiscal year.").RequireAuthorization(Policies.Finance)
            .RequireVersion(Versioned.Budget);

        var policies = api.MapGroup("/depreciation-policies").WithTags("Finance");
        policies.MapGet("/", async (FinanceService s, CancellationToken ct) => TypedResults.Ok(await s.PoliciesAsync(ct)))
            .WithName("ListDepreciationPolicies").WithSummary("Life and salvage floor per GPU model.").RequireAuthorization(Policies.AnyRole);
        policies.MapPut("/{model}", async (string model, PolicyRequest body, HttpContext http, FinanceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SetPolicyAsync(model, body, http.User.ToActor(http.TraceIdentifier), ct)))
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

    /// <summary>Reads the report query, refusing unknown parameters and malformed dates by name.</summary>
    public static ReportQuery ReadQuery(IQueryCollection q)
    {
        foreach (var key in q.Keys.Where(k => !s_parameters.Contains(k)))
        {
            throw new ValidationException(key, $"Unknown query parameter '{key}'. Valid: {string.Join(", ", s_parameters)}.");
        }

        string? Text(string name) => q[name].ToString() is { Length: > 0 } s ? s.Trim() : null;
        DateOnly? Date(string name) => Text(name) is { } raw ? ParseDate(name, raw) : null;
        var scope = Text("scope")?.ToUpperInvariant() switch
        {
            null or "REGISTER" => CardScope.Register,
            "PURCHASED" => CardScope.Purchased,
            _ => throw new ValidationException("scope", $"scope must be register or purchased, got '{Text("scope")}'."),
        };
        double? Number(string name) => Text(name) is not { } raw ? null
            : double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x
            : throw new ValidationException(name, $"{name} must be a number, got '{DomainExceptionHandler.Shorten(raw, 40)}'.");
        var (batch, context) = (Number("batch"), Number("context"));
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
            AsOf = Date("asOf"), From = Date("from"), To = Date("to"), Datacenter = Text("datacenter"), Model = Text("model"),
            Vendor = Text("vendor"), PoNumber = Text("po"), Currency = Text("currency"), Scope = scope,
            OperatingPoint = batch is { } b && context is { } c ? new Fleet.Domain.Finance.OperatingPoint(b, c) : null,
        };
    }

    private static async Task<IResult> Run(string name, HttpContext http, ReportService reports, TimeProvider time, CancellationToken ct)
    {
        var format = http.Request.Query["format"].ToString().ToUpperInvariant() switch
        {
            "" or "CSV" => "csv",
            "XLSX" => "xlsx",
            "JSON" => "json",
            var other => throw new ValidationException("format", $"format must be csv, xlsx or json, got '{other.ToLowerInvariant()}'."),
        };
        var table = await reports.RunAsync(name, ReadQuery(http.Request.Query), ct);
        if (format == "json")
        {
            return TypedResults.Ok(new
            {
                table.Name, table.Title, table.Notes, Columns = table.Columns.Select(c => new { c.Name, c.Title, Kind = c.Kind.ToString() }),
                Rows = table.Rows.Select(r => r.Cells), table.Totals, table.Warnings,
            });
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

    private static async Task<IResult> UploadProfile(HttpContext http, FinanceService s, CancellationToken ct)
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

        return TypedResults.Ok(await s.UploadProfileAsync(json, http.User.ToActor(http.TraceIdentifier), ct));
    }
}
