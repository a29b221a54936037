using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Tests.Security;

/// <summary>A cookie-authenticated API write must come from this site; bearer-token calls are unaffected.</summary>
public abstract class CrossSiteApiTests(string provider)
{
    [SkippableTheory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "http://localhost.evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData(null, null)]
    public async Task CookieWrite_FromAnotherSite_Is403AndWritesNothing(string? header, string? value)
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("buyer@test.local", Roles.Procurement);
        using var browser = app.CookieClient();
        await SecurityTestSupport.SignInAsync(browser, "buyer@test.local");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vendors") { Content = JsonContent.Create(new { name = "Cross-site vendor" }) };
        if (header is not null)
        {
            request.Headers.Add(header, value);
        }

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal("Cross-site request refused", problem!.Title);
        await using var db = app.CreateDbContext();
        Assert.False(await db.Vendors.AnyAsync(v => v.Name == "Cross-site vendor"));
    }

    [SkippableTheory]
    [InlineData("Origin", "http://localhost")]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    public async Task CookieWrite_FromThisSite_IsAccepted(string header, string value)
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("buyer@test.local", Roles.Procurement);
        using var browser = app.CookieClient();
        await SecurityTestSupport.SignInAsync(browser, "buyer@test.local");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vendors") { Content = JsonContent.Create(new { name = "Same-site vendor" }) };
        request.Headers.Add(header, value);

        using var response = await browser.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [SkippableFact]
    public async Task BearerWrite_WithForeignOrigin_IsUnaffected()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var client = await app.ClientForRoleAsync(Roles.Procurement);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vendors") { Content = JsonContent.Create(new { name = "Agent vendor" }) };
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed class SqliteCrossSiteApiTests() : CrossSiteApiTests(TestDatabase.Sqlite);

public sealed class PostgresCrossSiteApiTests() : CrossSiteApiTests(TestDatabase.Postgres);
