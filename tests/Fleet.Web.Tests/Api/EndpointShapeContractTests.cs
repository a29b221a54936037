using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Fleet.Domain;
using Fleet.Testing;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http;

namespace Fleet.Web.Tests.Api;

/// <summary>
/// The endpoints' shape: query records bound with [AsParameters] (named in the OpenAPI document, their values refused by
/// name as before), the caller bound as <see cref="RequestActor"/>, and Results&lt;...&gt; return types whose error
/// members the OpenAPI document lists per route.
/// </summary>
public abstract class EndpointShapeContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : SmallAppFixture
{
    private FleetWebFactory App => fixture.App;

    private async Task<JsonElement> OpenApiAsync()
    {
        using var client = App.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static IReadOnlyList<string> ResponsesOf(JsonElement doc, string path, string method) =>
        doc.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses").EnumerateObject().Select(p => p.Name).ToList();

    private static IReadOnlyList<string> QueryParametersOf(JsonElement doc, string path, string method) =>
        doc.GetProperty("paths").GetProperty(path).GetProperty(method).TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
            : [];

    [SkippableTheory]
    [InlineData("/api/gpus/{serial}", "get", "200", "404")]
    [InlineData("/api/gpus/{serial}/transitions", "post", "200", "400", "404", "409", "422")]
    [InlineData("/api/gpus/transitions", "post", "200", "422")]
    [InlineData("/api/gpus/edits", "post", "200", "422")]
    [InlineData("/api/gpus/{serial}", "patch", "200", "404", "409", "422")]
    [InlineData("/api/plans", "post", "202", "422")]
    [InlineData("/api/plans/{id}", "delete", "200", "404", "409")]
    [InlineData("/api/gpus", "get", "200", "400")]
    [InlineData("/api/reports/{name}", "get", "200", "400", "404")]
    [InlineData("/api/orders/{number}/deliveries", "post", "200", "400", "404", "422")]
    [InlineData("/api/orders/{number}", "get", "200", "404")]
    [InlineData("/api/orders/{number}/submit", "post", "200", "404", "409", "422")]
    [InlineData("/api/quotes/{reference}/convert", "post", "200", "404", "409", "422")]
    [InlineData("/api/rma/{id}", "get", "200", "404")]
    [InlineData("/api/rma/{id}/ship", "post", "200", "404", "409", "422")]
    [InlineData("/api/budgets", "put", "200", "409", "422")]
    [InlineData("/api/profiles/validations", "post", "201", "400", "422")]
    [InlineData("/api/burnin/campaigns", "post", "201", "400", "409", "422")]
    [InlineData("/api/burnin/campaigns/{id}", "get", "200", "404")]
    [InlineData("/api/burnin/runs", "post", "200", "400", "409", "413", "422")]
    [InlineData("/api/gpus/{serial}/burnin", "get", "200", "404")]
    [InlineData("/api/agent/claim", "post", "200", "204", "400")]
    [InlineData("/api/agent/jobs/{id}/heartbeat", "post", "200", "400", "404", "409")]
    [InlineData("/api/agent/jobs/{id}/results", "post", "200", "400", "404", "409", "413", "422")]
    [InlineData("/api/agent/jobs/{id}/profile", "post", "200", "400", "404", "409", "413", "422")]
    [InlineData("/api/vendors", "post", "201", "400", "409")]
    [InlineData("/api/vendors/{id}", "put", "200", "400", "404", "409")]
    [InlineData("/api/vendors/{id}/detail", "get", "200", "404")]
    [InlineData("/api/orders", "get", "200", "400")]
    [InlineData("/api/orders", "post", "201", "400", "409", "422")]
    [InlineData("/api/orders/{number}/invoices", "get", "200", "404")]
    [InlineData("/api/quotes", "post", "201", "400", "409", "422")]
    [InlineData("/api/plans/{id}", "get", "200", "404")]
    [InlineData("/api/plans/{id}/result", "get", "200", "404")]
    [InlineData("/api/plans/{id}/scenario", "get", "200", "404")]
    [InlineData("/api/plans/{id}/buy-plan", "get", "200", "404", "422")]
    [InlineData("/api/plans/{id}/buy-plan", "post", "201", "400", "404", "409", "422")]
    [InlineData("/api/locations/{datacenter}", "get", "200", "404")]
    [InlineData("/api/locations/{datacenter}/{rack}", "get", "200", "404")]
    [InlineData("/api/hosts/{host}", "get", "200", "404")]
    [InlineData("/api/views", "post", "201", "400", "422")]
    [InlineData("/api/views/{id}", "delete", "204", "404")]
    [InlineData("/api/tokens", "post", "201", "400")]
    [InlineData("/api/tokens/{id}", "delete", "200", "404")]
    [InlineData("/api/users", "post", "201", "400", "409")]
    [InlineData("/api/users/{id}", "patch", "200", "400", "404", "422")]
    [InlineData("/healthz", "get", "200", "503")]
    [InlineData("/api/gpus/export", "get", "200", "400")]
    [InlineData("/api/plans", "get", "200", "400")]
    public async Task OpenApiDocument_Route_ListsItsErrorResponses(string path, string method, params string[] statuses)
    {
        var listed = ResponsesOf(await OpenApiAsync(), path, method);
        Assert.All(statuses, s => Assert.Contains(s, listed));
    }

    /// <summary>
    /// Every operation under /api lists a 2xx, and one that takes a path parameter or a body (which can name what is not
    /// there or not valid) lists a 4xx too: the typed results name what the route returns.
    /// </summary>
    [SkippableFact]
    public async Task OpenApiDocument_EveryApiOperation_ListsSuccessAndItsErrors()
    {
        var offending = new List<string>();
        foreach (var path in (await OpenApiAsync()).GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var statuses = operation.Value.TryGetProperty("responses", out var responses)
                    ? responses.EnumerateObject().Select(r => r.Name).ToList()
                    : [];
                var takesInput = path.Name.Contains('{', StringComparison.Ordinal) || operation.Value.TryGetProperty("requestBody", out _);
                var missing = new List<string>();
                if (!statuses.Any(s => s.StartsWith('2')))
                {
                    missing.Add("2xx");
                }

                if (takesInput && !statuses.Any(s => s.StartsWith('4')))
                {
                    missing.Add("4xx");
                }

                if (missing.Count > 0)
                {
                    offending.Add($"{operation.Name.ToUpperInvariant()} {path.Name} (lists {string.Join(", ", statuses)}; no {string.Join(" or ", missing)})");
                }
            }
        }

        Assert.True(offending.Count == 0, $"{offending.Count} operation(s) under /api do not list their responses:\n{string.Join("\n", offending)}");
    }

    [SkippableFact]
    public async Task OpenApiDocument_ListGpus_NamesEveryQueryParameter()
    {
        var names = QueryParametersOf(await OpenApiAsync(), "/api/gpus", "get");
        Assert.Equal(["status", "datacenter", "model", "search", "page", "pageSize", "sort", "after", "before", "count"], names);
    }

    [SkippableFact]
    public async Task OpenApiDocument_ReportsAndSearch_NameTheirQueryParameters()
    {
        var doc = await OpenApiAsync();
        Assert.Equal(["asOf", "from", "to", "datacenter", "model", "vendor", "po", "currency", "scope", "format", "batch", "context"],
            QueryParametersOf(doc, "/api/reports/{name}", "get"));
        Assert.Equal(["q", "limit"], QueryParametersOf(doc, "/api/search", "get"));
        Assert.Equal(["dryRun", "mode"], QueryParametersOf(doc, "/api/gpus/import", "post"));
    }

    [SkippableFact]
    public async Task OpenApiDocument_BoundActor_IsNoParameter()
    {
        var doc = await OpenApiAsync();
        var transition = doc.GetProperty("paths").GetProperty("/api/gpus/{serial}/transitions").GetProperty("post");
        var names = transition.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("serial", names);
        Assert.DoesNotContain(names, n => string.Equals(n, "actor", StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task ListGpus_UnknownParameter_Is400NamingItAndTheValidOnes()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var problem = await ProblemAsync(await client.GetAsync("/api/gpus?stauts=Failed"), HttpStatusCode.BadRequest);
        Assert.Equal("stauts", problem.GetProperty("parameter").GetString());
        Assert.Equal("Unknown query parameter 'stauts'. Valid: status, datacenter, model, search, page, pageSize, sort, after, before, count.",
            problem.GetProperty("detail").GetString());
    }

    [SkippableTheory]
    [InlineData("/api/gpus?page=two", "page", "page must be a whole number, got 'two'.")]
    [InlineData("/api/gpus?pageSize=1.5", "pageSize", "pageSize must be a whole number, got '1.5'.")]
    [InlineData("/api/gpus?page=1&page=2", "page", "page must be a whole number, got '1,2'.")]
    [InlineData("/api/gpus?count=roughly", "count", "count must be exact or estimate, got 'roughly'.")]
    [InlineData("/api/gpus/export?count=roughly", "count", "count must be exact or estimate, got 'roughly'.")]
    [InlineData("/api/reports/asset-register?asOf=2024-13-01", "asOf", "asOf must be a date as yyyy-MM-dd, got '2024-13-01'.")]
    [InlineData("/api/reports/asset-register?scope=everything", "scope", "scope must be register or purchased, got 'everything'.")]
    [InlineData("/api/reports/asset-register?batch=8", "context", "batch and context state an operating point together: give both or neither.")]
    [InlineData("/api/reports/asset-register?format=pdf", "format", "format must be csv, xlsx or json, got 'pdf'.")]
    [InlineData("/api/reports/asset-register?colour=red", "colour", "Unknown query parameter 'colour'. Valid: asOf, from, to, datacenter, model, vendor, po, currency, scope, format, batch, context.")]
    [InlineData("/api/search?q=h100&limit=many", "limit", "limit must be a whole number, got 'many'.")]
    public async Task Query_BadValue_Is400NamingTheParameter(string url, string parameter, string detail)
    {
        using var client = await App.ClientForRoleAsync(Roles.Finance);
        var problem = await ProblemAsync(await client.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task ListGpus_RepeatedAndCommaStatuses_FilterTogether()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        using var response = await client.GetAsync("/api/gpus?status=Failed&status=InService,Retired&count=exact");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var mixed = await client.GetAsync("/api/gpus?status=Bogus&status=Failed");
        var problem = await ProblemAsync(mixed, HttpStatusCode.BadRequest);
        Assert.Contains("Bogus", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteEndpointShapeTests(SqliteSmallAppFixture fixture) : EndpointShapeContractTests<SqliteSmallAppFixture>(fixture);

public sealed class PostgresEndpointShapeTests(PostgresSmallAppFixture fixture) : EndpointShapeContractTests<PostgresSmallAppFixture>(fixture);

/// <summary>The caller as minimal APIs bind it.</summary>
public sealed class RequestActorTests
{
    [Fact]
    public async Task BindAsync_SignedInUser_TakesDisplayNameStrongestRoleAndTraceId()
    {
        var http = new DefaultHttpContext
        {
            TraceIdentifier = "trace-1",
            User = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "ada@test.local"), new Claim("display_name", "Ada"), new Claim(ClaimTypes.Role, Roles.Viewer),
                    new Claim(ClaimTypes.Role, Roles.Technician)], "test")),
        };

        var actor = (await RequestActor.BindAsync(http))!.Actor;

        Assert.Equal("Ada", actor.Name);
        Assert.Equal(Roles.Technician, actor.Role);
        Assert.Equal("trace-1", actor.RequestId);
    }

    [Fact]
    public async Task BindAsync_TokenWithoutDisplayName_TakesTheTokenName()
    {
        var http = new DefaultHttpContext
        {
            TraceIdentifier = "trace-2",
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "agent-host-17"), new Claim(ClaimTypes.Role, Roles.Agent)], "token")),
        };

        Fleet.Application.Common.Actor actor = (await RequestActor.BindAsync(http))!;

        Assert.Equal("agent-host-17", actor.Name);
        Assert.Equal(Roles.Agent, actor.Role);
    }
}
