using System.Net;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fleet.Web.Tests.Security;

/// <summary>Every response carries the security headers; HSTS outside Development; only allowed hosts are served.</summary>
public class HeaderTests
{
    [Theory]
    [InlineData("/login")]
    [InlineData("/api/gpus")]
    [InlineData("/healthz")]
    [InlineData("/no-such-page")]
    [InlineData("/app.css")]
    public async Task AnyResponse_CarriesNosniffAndReferrerPolicy(string path)
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync(path);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Development", false)]
    public async Task HttpsResponse_OutsideDevelopment_CarriesHsts(string environment, bool expected)
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite, settings: new Dictionary<string, string>
        {
            ["environment"] = environment,
            ["AllowedHosts"] = "fleet.example.com",
        }).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, BaseAddress = new Uri("https://fleet.example.com"),
        });
        using var response = await client.GetAsync("/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task InteractivePages_RevalidateTheirUser()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var scope = app.Services.CreateScope();

        Assert.IsType<RevalidatingUserState>(scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>());
    }

    [Fact]
    public async Task UnwritableKeysPath_FailsStartupNamingTheKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var factory = new FleetWebFactory(TestDatabase.Sqlite, settings: new Dictionary<string, string>
            {
                ["Fleet:DataProtection:KeysPath"] = Path.Combine(file, "keys"),
            });
            var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(factory.StartAsync);
            Assert.Contains("Fleet:DataProtection:KeysPath", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ForeignHostHeader_IsRefusedByDefault()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "evil.example";
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task RedirectToLogin_IsRelative()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite).StartAsync();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync("/gpus");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(response.Headers.Location!.IsAbsoluteUri, response.Headers.Location.ToString());
        Assert.StartsWith("/login", response.Headers.Location.OriginalString, StringComparison.Ordinal);
    }
}
