using System.Net;
using System.Text.RegularExpressions;
using Fleet.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Fleet.Web.Tests.Security;

/// <summary>Signs in through the real login form and hands out the session cookie, for cookie-authenticated tests.</summary>
public static partial class SecurityTestSupport
{
    public const string Password = "Sec-test-Passw0rd!";
    public const string CookieName = ".AspNetCore.Identity.Application";

    public static async Task<FleetUser> CreateUserAsync(this FleetWebFactory app, string email, string role, string password = Password)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>();
        var user = new FleetUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = email };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return user;
    }

    public static HttpClient CookieClient(this FleetWebFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A client that sends exactly the given cookie header and keeps none it is sent.</summary>
    public static HttpClient ClientWithCookie(this WebApplicationFactory<Program> app, string cookie)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    /// <summary>The antiforgery token of a form on <paramref name="path"/>.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path = "/login")
    {
        var html = await client.GetStringAsync(path);
        var match = TokenInput().Match(html);
        Assert.True(match.Success, $"No antiforgery token on {path}.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts the login form; returns the response (302 on success, 200 with the error otherwise).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, bool rememberMe = false)
    {
        var token = await FormTokenAsync(client);
        var fields = new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        };
        if (rememberMe)
        {
            fields["Input.RememberMe"] = "true";
        }

        return await client.PostAsync("/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>Signs in (asserting it worked) and returns the session cookie as a <c>Cookie</c> header value.</summary>
    public static async Task<string> SignInAsync(HttpClient client, string email, string password = Password, bool rememberMe = false)
    {
        using var response = await PostLoginAsync(client, email, password, rememberMe);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return SessionCookie(response) ?? throw new InvalidOperationException("The sign-in set no cookie.");
    }

    /// <summary>The Identity cookie set by <paramref name="response"/>, as <c>name=value</c>.</summary>
    public static string? SessionCookie(HttpResponseMessage response) =>
        SetCookie(response)?.Split(';')[0];

    public static string? SetCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.FirstOrDefault(v => v.StartsWith(CookieName + "=", StringComparison.Ordinal) && !v.StartsWith(CookieName + "=;", StringComparison.Ordinal))
            : null;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
