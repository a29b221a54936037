using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Security;

/// <summary>
/// ASP.NET Core's rate limiter on the password and token endpoints: a fixed window per client address
/// (<c>Fleet:RateLimit:SignInPerMinute</c>); a refused request gets 429 problem details with <c>Retry-After</c>.
/// </summary>
public static class SignInRateLimit
{
    public static IServiceCollection AddFleetSignInRateLimit(this IServiceCollection services)
    {
        services.AddOptions<FleetRateLimitOptions>().BindConfiguration(FleetRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<FleetRateLimitOptions>>((o, limits) =>
        {
            var perMinute = limits.Value.SignInPerMinute;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => IsLimited(context.Request)
                ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("unlimited"));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (rejected, ct) =>
            {
                var context = rejected.HttpContext;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many attempts",
                        Detail = $"At most {perMinute} sign-in and token requests a minute from one address; " +
                            $"retry after {Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s.",
                        Instance = context.Request.Path,
                    },
                });
            };
        });
        services.AddRateLimiter(_ => { });
        return services;
    }

    /// <summary>Posting a password (sign-in, set-password) and every request to the token endpoints.</summary>
    public static bool IsLimited(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/tokens") ||
        HttpMethods.IsPost(request.Method) && (request.Path.StartsWithSegments("/login") || request.Path.StartsWithSegments("/account/set-password"));
}
