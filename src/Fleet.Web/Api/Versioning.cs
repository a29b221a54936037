using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Fleet.Application.Finance;
using Fleet.Data;
using Fleet.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Fleet.Web.Api;

/// <summary>An editable resource over HTTP and how to read its current <see cref="IVersioned.Version"/> from a request (null: it does not exist).</summary>
public sealed record VersionedResource(
    string Name, Func<EndpointFilterInvocationContext, FleetDbContext, CancellationToken, Task<long?>> CurrentVersionAsync);

/// <summary>The API's editable resources, each found the way its route names it.</summary>
public static class Versioned
{
    private static readonly Task<long?> s_none = Task.FromResult<long?>(null);

    public static VersionedResource Gpu { get; } = new("GPU", (c, db, ct) => Route(c, "serial") is { } serial
        ? db.Gpus.Where(g => g.Serial == serial).Select(g => (long?)g.Version).FirstOrDefaultAsync(ct) : s_none);

    public static VersionedResource Vendor { get; } = new("Vendor", (c, db, ct) => Id(c) is { } id
        ? db.Vendors.Where(v => v.Id == id).Select(v => (long?)v.Version).FirstOrDefaultAsync(ct) : s_none);

    public static VersionedResource Order { get; } = new("Purchase order", (c, db, ct) => Route(c, "number") is { } number
        ? db.PurchaseOrders.Where(o => o.Number == number).Select(o => (long?)o.Version).FirstOrDefaultAsync(ct) : s_none);

    public static VersionedResource Quote { get; } = new("Quote", (c, db, ct) => Route(c, "reference") is { } reference
        ? db.Quotes.Where(q => q.Reference == reference).Select(q => (long?)q.Version).FirstOrDefaultAsync(ct) : s_none);

    public static VersionedResource RmaCase { get; } = new("RMA case", (c, db, ct) => Id(c) is { } id
        ? db.RmaCases.Where(r => r.Id == id).Select(r => (long?)r.Version).FirstOrDefaultAsync(ct) : s_none);

    /// <summary>A model's own policy; a model still on the catalog default has none, so the first PUT creates it.</summary>
    public static VersionedResource DepreciationPolicy { get; } = new("Depreciation policy", (c, db, ct) => Route(c, "model") is { } model
        ? db.DepreciationPolicies.Where(p => db.GpuModels.Any(m => m.Id == p.GpuModelId && m.Name == model)).Select(p => (long?)p.Version)
            .FirstOrDefaultAsync(ct)
        : s_none);

    /// <summary>Keyed by the body's datacenter, fiscal year and currency (the datacenter's when left out), as the upsert finds it.</summary>
    public static VersionedResource Budget { get; } = new("Budget", async (c, db, ct) =>
    {
        if (c.Arguments.OfType<BudgetRequest>().FirstOrDefault() is not { } body)
        {
            return null;
        }

        var code = (body.Datacenter ?? "").Trim().ToUpperInvariant();
        var dc = await db.Datacenters.Where(d => d.Code.ToUpper() == code).Select(d => new { d.Id, d.Currency }).FirstOrDefaultAsync(ct);
        if (dc is null)
        {
            return null;
        }

        var currency = string.IsNullOrWhiteSpace(body.Currency) ? dc.Currency : body.Currency.Trim().ToUpperInvariant();
        return await db.Budgets.Where(b => b.DatacenterId == dc.Id && b.FiscalYear == body.FiscalYear && b.Currency == currency)
            .Select(b => (long?)b.Version).FirstOrDefaultAsync(ct);
    });

    private static string? Route(EndpointFilterInvocationContext c, string name) => c.HttpContext.Request.RouteValues[name] as string;

    private static int? Id(EndpointFilterInvocationContext c) =>
        int.TryParse(Route(c, "id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}

/// <summary>
/// Optimistic concurrency over HTTP, as NetBox does it: a GET of an editable resource carries its version as an
/// <c>ETag</c>; a write to one that exists must say which version it edits, as <c>If-Match</c> or as the body's
/// <c>expectedVersion</c>. A stale <c>If-Match</c> is 412, a stale <c>expectedVersion</c> 409, neither 428; nothing is
/// written on any of them.
/// </summary>
public static class VersioningEndpointExtensions
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> s_expectedVersion = new();

    /// <summary>The ETag of version <paramref name="version"/>.</summary>
    public static string ETagOf(long version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>Answers the resource's version as <c>ETag</c>, read before the body is built so the tag is never newer than the data.</summary>
    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder, VersionedResource resource) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var current = await CurrentAsync(context, resource);
            var result = await next(context);
            if (current is { } version && !IsError(result))
            {
                context.HttpContext.Response.Headers.ETag = ETagOf(version);
            }

            return result;
        });

    /// <summary>Refuses a write to an existing resource that does not name the version it edits, or names an old one.</summary>
    public static RouteHandlerBuilder RequireVersion(this RouteHandlerBuilder builder, VersionedResource resource) =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var bodies = factory.MethodInfo.GetParameters()
                .Select((p, i) => (Index: i, Property: ExpectedVersionOf(p.ParameterType)))
                .Where(p => p.Property is not null)
                .ToArray();
            return async context =>
            {
                var current = await CurrentAsync(context, resource);
                if (current is not { } now)
                {
                    return await next(context); // the handler answers 404, or creates it
                }

                var (body, property) = bodies.Length == 0 ? (null, null) : (context.Arguments[bodies[0].Index], bodies[0].Property);
                var inBody = body is null ? null : (long?)property!.GetValue(body);
                var header = context.HttpContext.Request.Headers.IfMatch.ToString();
                if (header.Length == 0 && inBody is null)
                {
                    return Problem(StatusCodes.Status428PreconditionRequired, $"{resource.Name} exists: say which version you are changing.",
                        "Send If-Match with the ETag of your GET, or the version you read as \"expectedVersion\" in the body, " +
                        "so that a change made since you read it is not overwritten.");
                }

                if (header.Length > 0)
                {
                    var sent = ParseIfMatch(header);
                    if (sent != now)
                    {
                        return Problem(StatusCodes.Status412PreconditionFailed, $"{resource.Name} has changed since you read it.",
                            sent is null
                                ? $"If-Match must be the ETag of a GET (a quoted version such as \"3\"); got {Shorten(header)}."
                                : $"You sent If-Match {ETagOf(sent.Value)}, but it has been changed since. GET it again and redo the change.");
                    }

                    if (inBody is { } b && b != now)
                    {
                        return Problem(StatusCodes.Status400BadRequest, "If-Match and expectedVersion disagree.",
                            string.Create(CultureInfo.InvariantCulture, $"If-Match says version {now}, expectedVersion {b}; send one of them."));
                    }

                    if (body is not null && inBody is null && property!.CanWrite)
                    {
                        // The service checks it again under its own read, so a write landing in between is refused too.
                        property.SetValue(body, now);
                    }
                }
                else if (inBody != now)
                {
                    return Problem(StatusCodes.Status409Conflict, $"{resource.Name} was changed by someone else.",
                        string.Create(CultureInfo.InvariantCulture,
                            $"{resource.Name} was changed by someone else since version {inBody}, which you edited. Reload and try again."));
                }

                object? result;
                try
                {
                    result = await next(context);
                }
                catch (ConcurrencyException ex) when (header.Length > 0)
                {
                    return Problem(StatusCodes.Status412PreconditionFailed, $"{resource.Name} has changed since you read it.", ex.Message);
                }

                if (!IsError(result) && await CurrentAsync(context, resource) is { } after)
                {
                    context.HttpContext.Response.Headers.ETag = ETagOf(after);
                }

                return result;
            };
        })
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status428PreconditionRequired);

    private static async Task<long?> CurrentAsync(EndpointFilterInvocationContext context, VersionedResource resource)
    {
        var ct = context.HttpContext.RequestAborted;
        var contexts = context.HttpContext.RequestServices.GetRequiredService<IDbContextFactory<FleetDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await resource.CurrentVersionAsync(context, db, ct);
    }

    /// <summary>The version a strong entity tag names; null for <c>*</c>, weak or malformed tags, which never match.</summary>
    private static long? ParseIfMatch(string header) =>
        EntityTagHeaderValue.TryParseList([header], out var tags) && tags.Count == 1 && tags[0] is { IsWeak: false } tag
        && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;

    private static PropertyInfo? ExpectedVersionOf(Type type) => s_expectedVersion.GetOrAdd(type, t =>
        t.IsClass && t != typeof(string) && t.GetProperty("ExpectedVersion", BindingFlags.Public | BindingFlags.Instance) is { } p
        && p.PropertyType == typeof(long?) ? p : null);

    private static bool IsError(object? result) => result is IStatusCodeHttpResult { StatusCode: >= 400 };

    private static string Shorten(string value) => value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "…");

    private static IResult Problem(int status, string title, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
