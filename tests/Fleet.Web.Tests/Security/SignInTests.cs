using System.Net;
using System.Net.Http.Json;
using Fleet.Data.Identity;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Web.Tests.Security;

/// <summary>Lockout, rate limit and no account enumeration on the login form.</summary>
public abstract class SignInTests(string provider)
{
    [SkippableFact]
    public async Task FiveWrongPasswords_LockTheAccount_EvenForTheRightPassword()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        await app.CreateUserAsync("fin@test.local", Roles.Finance);
        using var browser = app.CookieClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await SecurityTestSupport.PostLoginAsync(browser, "fin@test.local", "Wrong-password-1!");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using var right = await SecurityTestSupport.PostLoginAsync(browser, "fin@test.local", SecurityTestSupport.Password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Null(SecurityTestSupport.SetCookie(right));
        using var scope = app.Services.CreateScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<FleetUser>>().FindByEmailAsync("fin@test.local");
        Assert.True(user!.LockoutEnd > DateTimeOffset.UtcNow.AddMinutes(4));
    }

    [SkippableFact]
    public async Task UnknownUserAndWrongPassword_SameMessageAndOneHashEach()
    {
        var hasher = new CountingHasher();
        await using var app = await new FleetWebFactory(provider, configure: b => b.ConfigureTestServices(s =>
        {
            s.RemoveAll<IPasswordHasher<FleetUser>>();
            s.AddSingleton<IPasswordHasher<FleetUser>>(hasher);
        })).StartAsync();
        await app.CreateUserAsync("fin@test.local", Roles.Finance);
        using var browser = app.CookieClient();

        var before = hasher.Verifications;
        var unknown = await ErrorOfAsync(await SecurityTestSupport.PostLoginAsync(browser, "nobody@test.local", "Wrong-password-1!"));
        var unknownHashes = hasher.Verifications - before;
        before = hasher.Verifications;
        var wrong = await ErrorOfAsync(await SecurityTestSupport.PostLoginAsync(browser, "fin@test.local", "Wrong-password-1!"));
        var wrongHashes = hasher.Verifications - before;

        Assert.Equal(wrong, unknown);
        Assert.Contains("Wrong e-mail or password", unknown, StringComparison.Ordinal);
        Assert.Equal(1, wrongHashes);
        Assert.Equal(wrongHashes, unknownHashes);
    }

    [SkippableFact]
    public async Task ManySignInAttempts_Get429ProblemDetails()
    {
        await using var app = await new FleetWebFactory(provider, settings: new Dictionary<string, string>
        {
            ["Fleet:RateLimit:SignInPerMinute"] = "3",
        }).StartAsync();
        using var browser = app.CookieClient();
        var token = await SecurityTestSupport.FormTokenAsync(browser);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            last = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = "x@test.local", ["Input.Password"] = "nope-nope-nope",
            }));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(last.Headers.RetryAfter);
        var problem = await last.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal(429, problem!.Status);
        last.Dispose();

        // The limit is on passwords and tokens, not on reading pages.
        using var page = await browser.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [SkippableFact]
    public async Task ManyTokenRequests_Get429()
    {
        await using var app = await new FleetWebFactory(provider, settings: new Dictionary<string, string>
        {
            ["Fleet:RateLimit:SignInPerMinute"] = "2",
        }).StartAsync();
        using var admin = await app.AdminClientAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await admin.GetAsync("/api/tokens");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    private static async Task<string> ErrorOfAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            var start = html.IndexOf("data-testid=\"login-error\">", StringComparison.Ordinal);
            Assert.True(start >= 0, "No error on the login page.");
            start = html.IndexOf('>', start) + 1;
            return html[start..html.IndexOf('<', start)];
        }
    }

    private sealed class CountingHasher : IPasswordHasher<FleetUser>
    {
        private readonly PasswordHasher<FleetUser> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(FleetUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(FleetUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}

public sealed class SqliteSignInTests() : SignInTests(TestDatabase.Sqlite);

public sealed class PostgresSignInTests() : SignInTests(TestDatabase.Postgres);
