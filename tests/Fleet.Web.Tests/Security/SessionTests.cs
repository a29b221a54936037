using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fleet.Web.Tests.Security;

/// <summary>Sessions end when they should: logout, disabling, role changes; cookies persist only when asked to.</summary>
public abstract class SessionTests(string provider)
{
    [SkippableFact]
    public async Task Logout_OldCookieReplayed_IsRefusedAtOnce()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("viewer@test.local", Roles.Viewer);
        using var browser = app.CookieClient();
        var cookie = await SecurityTestSupport.SignInAsync(browser, "viewer@test.local");
        using (var before = app.ClientWithCookie(cookie))
        {
            Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/api/datacenters")).StatusCode);
        }

        var token = await SecurityTestSupport.FormTokenAsync(browser);
        using var logout = await browser.PostAsync("/account/logout",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);

        using var replay = app.ClientWithCookie(cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/datacenters")).StatusCode);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignIn_RememberMe_DecidesWhetherTheCookieIsPersistent(bool rememberMe)
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("viewer@test.local", Roles.Viewer);
        using var browser = app.CookieClient();
        using var response = await SecurityTestSupport.PostLoginAsync(browser, "viewer@test.local", SecurityTestSupport.Password, rememberMe);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var setCookie = SecurityTestSupport.SetCookie(response);
        Assert.NotNull(setCookie);
        Assert.Equal(rememberMe, setCookie.Contains("expires=", StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task SignIn_OverHttps_CookieIsSecure()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("viewer@test.local", Roles.Viewer);
        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        using var response = await SecurityTestSupport.PostLoginAsync(browser, "viewer@test.local", SecurityTestSupport.Password);

        var setCookie = SecurityTestSupport.SetCookie(response);
        Assert.NotNull(setCookie);
        Assert.Contains("; secure", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task DisabledUser_ExistingCookieRefusedAndSignInFails()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        var user = await app.CreateUserAsync("tech@test.local", Roles.Technician);
        using var browser = app.CookieClient();
        var cookie = await SecurityTestSupport.SignInAsync(browser, "tech@test.local");
        using var admin = await app.AdminClientAsync();

        using var disable = await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { disabled = true });
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);

        using var replay = app.ClientWithCookie(cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/datacenters")).StatusCode);
        using var again = await SecurityTestSupport.PostLoginAsync(app.CookieClient(), "tech@test.local", SecurityTestSupport.Password);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}

public sealed class SqliteSessionTests() : SessionTests(TestDatabase.Sqlite);

public sealed class PostgresSessionTests() : SessionTests(TestDatabase.Postgres);
