namespace Fleet.Web.Security;

/// <summary>Headers every response carries (error pages too): no MIME sniffing, no referrer leaving the site, no framing.</summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseFleetSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
