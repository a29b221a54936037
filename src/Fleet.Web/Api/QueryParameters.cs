using System.Reflection;
using Fleet.Application.Common;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary>
/// A route's query is the <c>[AsParameters]</c> record it binds: these refuse any other parameter by name (a typo such
/// as <c>?stauts=</c> would otherwise be ignored and return the unfiltered list).
/// </summary>
public static class QueryParameters
{
    /// <summary>Refuses, as a 400 naming it and the valid ones, a query parameter that <typeparamref name="TQuery"/> does not bind.</summary>
    public static RouteHandlerBuilder AcceptsOnlyQueryOf<TQuery>(this RouteHandlerBuilder route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var names = NamesOf(typeof(TQuery));
        var known = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        var valid = string.Join(", ", names);
        return route.AddEndpointFilter(async (context, next) =>
        {
            foreach (var key in context.HttpContext.Request.Query.Keys.Where(k => !known.Contains(k)))
            {
                throw new ValidationException(key, $"Unknown query parameter '{key}'. Valid: {valid}.");
            }

            return await next(context);
        });
    }

    /// <summary>The query names a record binds, in declaration order: each <c>[FromQuery(Name = ...)]</c> or the parameter's own name.</summary>
    public static IReadOnlyList<string> NamesOf(Type query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.GetConstructors().Single().GetParameters()
            .Where(p => p.GetCustomAttribute<FromQueryAttribute>() is not null)
            .Select(p => p.GetCustomAttribute<FromQueryAttribute>()!.Name ?? p.Name!)
            .ToList();
    }

    /// <summary>A query value as the handlers read it: absent or empty is null.</summary>
    public static string? Text(string? raw) => raw is { Length: > 0 } ? raw : null;
}
