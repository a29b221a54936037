using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fleet.Web.Tests.Hosting;

/// <summary>An unknown address: a friendly page for a browser, RFC 9457 JSON for the API; the Scalar reference beside the OpenAPI document.</summary>
public sealed class NotFoundAndDocsTests
{
    private static HttpRequestMessage Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/procurement/no/such/thing")]
    public async Task BrowserGet_UnknownPage_404WithTheNotFoundPage(string path)
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await client.SendAsync(Get(path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"not-found\"", html, StringComparison.Ordinal);
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\":404", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/no-such-route", "text/html,*/*")]
    [InlineData("/api/no-such-route", "application/json")]
    [InlineData("/no-such-page", "application/json")]
    public async Task ApiOrNonHtmlGet_UnknownRoute_404ProblemDetails(string path, string accept)
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = await app.AdminClientAsync();

        using var response = await client.SendAsync(Get(path, accept));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ApiGet_UnknownCard_StillItsOwn404Problem()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = await app.AdminClientAsync();

        using var response = await client.SendAsync(Get("/api/gpus/NO-SUCH-SERIAL", "text/html,*/*"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Scalar_Anonymous_ServesTheReferenceOverTheOpenApiDocument()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = true });

        using var page = await client.SendAsync(Get("/scalar", "text/html"));
        using var document = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }
}
