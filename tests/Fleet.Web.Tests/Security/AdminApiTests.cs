using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Domain.Audit;
using Fleet.Web.Security;

namespace Fleet.Web.Tests.Security;

/// <summary><c>/api/tokens</c> and <c>/api/users</c>: Admin only, audited; revoked, expired and disabled are refused.</summary>
public abstract class AdminApiTests(string provider)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    [SkippableFact]
    public async Task IssueToken_WorksForItsRole_ListedWithoutValue_RevokeRefusesIt_Audited()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var admin = await app.AdminClientAsync();

        using var issue = await admin.PostAsJsonAsync("/api/tokens", new { name = "burn-in agent", role = Roles.Technician, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, issue.StatusCode);
        var issued = (await issue.Content.ReadFromJsonAsync<IssuedApiToken>(s_json))!;
        Assert.StartsWith("fleet_", issued.Token, StringComparison.Ordinal);
        Assert.Equal(Roles.Technician, issued.Info.Role);
        Assert.InRange(issued.Info.ExpiresAt!.Value, DateTime.UtcNow.AddDays(29), DateTime.UtcNow.AddDays(31));

        using var agent = app.CreateClient();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Token);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/api/datacenters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/tokens")).StatusCode);

        var listed = await admin.GetStringAsync("/api/tokens");
        Assert.DoesNotContain(issued.Token, listed, StringComparison.Ordinal);
        var mine = Assert.Single(JsonSerializer.Deserialize<List<ApiTokenInfo>>(listed, s_json)!, t => t.Id == issued.Info.Id);
        Assert.NotNull(mine.LastUsedAt);
        await using (var db = app.CreateDbContext())
        {
            var stored = await db.ApiTokens.SingleAsync(t => t.Id == issued.Info.Id);
            Assert.NotEqual(issued.Token, stored.TokenHash);
            Assert.DoesNotContain(issued.Token, stored.TokenHash, StringComparison.Ordinal);
        }

        using var revoke = await admin.DeleteAsync($"/api/tokens/{issued.Info.Id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.GetAsync("/api/datacenters")).StatusCode);

        await using var check = app.CreateDbContext();
        var audit = await check.AuditEntries.Where(a => a.EntityType == ApiTokens.AuditEntity && a.EntityKey == issued.Info.Id.ToString()).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([AuditActions.Create, AuditActions.Update], audit.Select(a => a.Action));
        Assert.Contains("Revoked", audit[1].Message, StringComparison.Ordinal);
        Assert.All(audit, a => Assert.DoesNotContain(issued.Token, (a.AfterJson ?? "") + a.Message, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task ExpiredToken_IsRefused()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var admin = await app.AdminClientAsync();
        using var issue = await admin.PostAsJsonAsync("/api/tokens", new { name = "short", role = Roles.Viewer, expiresInDays = 1 });
        var issued = (await issue.Content.ReadFromJsonAsync<IssuedApiToken>(s_json))!;
        await using (var db = app.CreateDbContext())
        {
            await db.ApiTokens.Where(t => t.Id == issued.Info.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        }

        using var agent = app.CreateClient();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.GetAsync("/api/datacenters")).StatusCode);
    }

    [SkippableTheory]
    [InlineData("", "Viewer", 30, "name")]
    [InlineData("x", "Root", 30, "role")]
    [InlineData("x", "Viewer", 0, "expiresInDays")]
    [InlineData("x", "Viewer", 4000, "expiresInDays")]
    public async Task IssueToken_BadInput_Is400NamingTheField(string name, string role, int days, string field)
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var admin = await app.AdminClientAsync();
        using var issue = await admin.PostAsJsonAsync("/api/tokens", new { name, role, expiresInDays = days });

        Assert.Equal(HttpStatusCode.BadRequest, issue.StatusCode);
        Assert.Contains(field, await issue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = app.CreateDbContext();
        Assert.False(await db.ApiTokens.AnyAsync(t => t.Name == name));
    }

    [SkippableTheory]
    [InlineData("GET", "/api/tokens")]
    [InlineData("POST", "/api/tokens")]
    [InlineData("GET", "/api/users")]
    [InlineData("POST", "/api/users")]
    public async Task AdminRoutes_OtherRoles_Are403(string method, string path)
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        foreach (var role in Roles.All.Where(r => r != Roles.Admin))
        {
            using var client = await app.ClientForRoleAsync(role);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = JsonContent.Create(new { name = "x", role = Roles.Admin, email = "x@test.local" });
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        await using var db = app.CreateDbContext();
        Assert.False(await db.Users.AnyAsync(u => u.Email == "x@test.local"));
    }

    [SkippableFact]
    public async Task InviteUser_SetPasswordLinkWorksOnce_ThenTheUserSignsInWithTheRole()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        using var admin = await app.AdminClientAsync();

        using var invite = await admin.PostAsJsonAsync("/api/users", new { email = "new@test.local", displayName = "New Person", role = Roles.Finance });
        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
        var invited = (await invite.Content.ReadFromJsonAsync<InvitedUser>(s_json))!;
        Assert.Equal(Roles.Finance, invited.User.Role);

        using var browser = app.CookieClient();
        Assert.Contains("password-set", await SetPasswordAsync(browser, invited.SetPasswordLink, "New-Passw0rd!x"), StringComparison.Ordinal);
        Assert.Contains("not valid any more", await SetPasswordAsync(browser, invited.SetPasswordLink, "Other-Passw0rd!y"), StringComparison.Ordinal);

        var cookie = await SecurityTestSupport.SignInAsync(browser, "new@test.local", "New-Passw0rd!x");
        using var finance = app.ClientWithCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/api/datacenters")).StatusCode);

        using var again = await admin.PostAsJsonAsync("/api/users", new { email = "new@test.local", role = Roles.Viewer });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await using var db = app.CreateDbContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.EntityType == UserAdministration.AuditEntity && a.EntityKey == "new@test.local" && a.Action == AuditActions.Create));
    }

    [SkippableFact]
    public async Task ChangeRole_EndsTheSession_AndIsAudited()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        var user = await app.CreateUserAsync("viewer@test.local", Roles.Viewer);
        using var browser = app.CookieClient();
        var cookie = await SecurityTestSupport.SignInAsync(browser, "viewer@test.local");
        using var admin = await app.AdminClientAsync();

        using var change = await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { role = Roles.Procurement });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Equal(Roles.Procurement, (await change.Content.ReadFromJsonAsync<UserInfo>(s_json))!.Role);

        using var replay = app.ClientWithCookie(cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/datacenters")).StatusCode);
        var users = JsonSerializer.Deserialize<List<UserInfo>>(await admin.GetStringAsync("/api/users"), s_json)!;
        Assert.Equal(Roles.Procurement, Assert.Single(users, u => u.Email == "viewer@test.local").Role);
        await using var db = app.CreateDbContext();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.EntityType == UserAdministration.AuditEntity && a.Action == AuditActions.Update &&
            a.Message!.Contains("Viewer → Procurement")));
    }

    [SkippableFact]
    public async Task DisableLastAdmin_Is422AndChangesNothing()
    {
        await using var app = await new FleetWebFactory(provider).StartAsync();
        var only = await app.CreateUserAsync("root@test.local", Roles.Admin);
        using var admin = await app.AdminClientAsync();

        using var disable = await admin.PatchAsJsonAsync($"/api/users/{only.Id}", new { disabled = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, disable.StatusCode);
        using var demote = await admin.PatchAsJsonAsync($"/api/users/{only.Id}", new { role = Roles.Viewer });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, demote.StatusCode);
        using var browser = app.CookieClient();
        await SecurityTestSupport.SignInAsync(browser, "root@test.local");
    }

    private static async Task<string> SetPasswordAsync(HttpClient browser, string link, string password)
    {
        var token = await SecurityTestSupport.FormTokenAsync(browser, link);
        using var response = await browser.PostAsync(link, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "set-password", ["__RequestVerificationToken"] = token, ["Input.Password"] = password, ["Input.Confirm"] = password,
        }));
        return await response.Content.ReadAsStringAsync();
    }
}

public sealed class SqliteAdminApiTests() : AdminApiTests(TestDatabase.Sqlite);

public sealed class PostgresAdminApiTests() : AdminApiTests(TestDatabase.Postgres);
