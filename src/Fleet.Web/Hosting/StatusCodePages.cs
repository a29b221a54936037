namespace Fleet.Web.Hosting;

/// <summary>
/// Errors without a body: a friendly page for a browser asking for a page (an unknown address gets the Not found page),
/// RFC 9457 problem details for the API, the OpenAPI document and anything that does not ask for HTML.
/// </summary>
public static class StatusCodePages
{
    private static readonly string[] MachinePaths = ["/api", "/openapi", "/scalar", "/_framework", "/_blazor", "/_content", "/healthz"];

    /// <summary>True for a browser's GET of a page: it accepts HTML and is outside the API and the framework's paths.</summary>
    public static bool IsPageRequest(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !MachinePaths.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
        && context.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/html", StringComparison.OrdinalIgnoreCase));

    public static WebApplication UseFleetStatusCodePages(this WebApplication app)
    {
        // Outer: a page request's empty error is re-executed as the status page. Inner: everything else gets problem
        // details first, so the outer one finds a body and leaves it alone.
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        app.UseWhen(c => !IsPageRequest(c), api => api.UseStatusCodePages());
        return app;
    }
}
