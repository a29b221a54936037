using System.Globalization;
using System.Security.Claims;
using Fleet.Application.Common;
using Fleet.Application.Search;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary><c>GET /api/search</c> (the top bar's search) and <c>/api/views</c> (each user's saved inventory views).</summary>
public static class SearchEndpoints
{
    public static RouteGroupBuilder MapSearchApi(this RouteGroupBuilder api)
    {
        api.MapGet("/search", Search).WithTags("Search").WithName("Search")
            .WithSummary("Cards, hosts, purchase orders, vendors and RMA cases matching q (prefix or substring), grouped, with links.")
            .RequireAuthorization(Policies.AnyRole);
        var views = api.MapGroup("/views").WithTags("Saved views").RequireAuthorization(Policies.AnyRole);
        views.MapGet("/", async (HttpContext http, SavedViewService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(Owner(http.User), ct)))
            .WithName("ListViews").WithSummary("The caller's saved inventory views, by name.");
        views.MapPost("/", Create).WithName("CreateView")
            .WithSummary("Saves the grid's query string (filters, sort, columns) under a name (201; 422 when the caller has a view by that name).");
        views.MapDelete("/{id:int}", async Task<Results<NoContent, NotFound<ProblemDetails>>> (int id, HttpContext http, SavedViewService s, CancellationToken ct) =>
            {
                await s.DeleteAsync(Owner(http.User), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteView").WithSummary("Deletes one of the caller's views (404 for anyone else's).");
        return api;
    }

    /// <summary>Whose views these are: the signed-in user's id, or an API token's name.</summary>
    public static string Owner(ClaimsPrincipal user) =>
        user.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } id ? "user:" + id : "name:" + (user.Identity?.Name ?? "");

    /// <summary>The query of <c>GET /api/search</c>: the text <c>q</c> and the most hits per group, <c>limit</c> (bound as text so a bad one is refused by name).</summary>
    public sealed record SearchRequest([FromQuery(Name = "q")] string? Q, [FromQuery(Name = "limit")] string? Limit);

    private static async Task<Results<Ok<SearchResults>, BadRequest<ProblemDetails>>> Search([AsParameters] SearchRequest query, SearchService search,
        CancellationToken ct)
    {
        var (q, limit) = (query.Q, query.Limit);
        var n = SearchService.DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
        {
            throw new ValidationException("limit", $"limit must be a whole number, got '{DomainExceptionHandler.Shorten(limit, 40)}'.");
        }

        return TypedResults.Ok(await search.SearchAsync(q, n, ct));
    }

    private static async Task<Results<Created<SavedViewItem>, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Create(SaveViewRequest body,
        HttpContext http, SavedViewService s, CancellationToken ct)
    {
        var view = await s.CreateAsync(Owner(http.User), body, ct);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/views/{view.Id}"), view);
    }
}
