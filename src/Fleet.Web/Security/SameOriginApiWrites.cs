using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Web.Security;

/// <summary>
/// A cookie-authenticated write to <c>/api</c> must come from this site: the browser's <c>Sec-Fetch-Site</c> says
/// same-origin, or its <c>Origin</c> is this host, or the request carries an antiforgery token header. Otherwise any
/// page the user visits could post imports or deliveries with their cookie. Bearer-token calls carry no ambient
/// credential and pass untouched.
/// </summary>
public static class SameOriginApiWrites
{
    public static IApplicationBuilder UseFleetSameOriginApiWrites(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) ||
            HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method) ||
            context.User.Identity is not { IsAuthenticated: true, AuthenticationType: var type } || type != IdentityConstants.ApplicationScheme ||
            await IsSameOriginAsync(context))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Cross-site request refused",
                Detail = $"{request.Method} {request.Path} with a sign-in cookie must come from this site: send Origin " +
                    $"{request.Scheme}://{request.Host} (browsers do), an antiforgery token header, or use a bearer API token.",
                Instance = request.Path,
            },
        });
    });

    private static async Task<bool> IsSameOriginAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site)
        {
            return string.Equals(site, "same-origin", StringComparison.OrdinalIgnoreCase);
        }

        if (headers.Origin.ToString() is { Length: > 0 } origin)
        {
            return Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
                string.Equals(uri.Scheme, context.Request.Scheme, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        var tokens = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AntiforgeryOptions>>().Value;
        return tokens.HeaderName is { } header && headers.ContainsKey(header) && await antiforgery.IsRequestValidAsync(context);
    }
}
