using Bunit;
using Fleet.Application.Common;
using Fleet.Web.Components.Pages.Admin;
using Fleet.Web.Security;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Admin;

/// <summary>The API tokens page: an Admin issues a token (value shown once), sees it listed without its value, revokes it.</summary>
public sealed class TokensPageTests : ComponentTestContext
{
    /// <summary>Registers the page's services and signs in first: bUnit takes no new services once one has been resolved.</summary>
    private void SignInAsAdmin()
    {
        Services.AddScoped<ApiTokens>();
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@test.local");
        auth.SetRoles(Roles.Admin);
    }

    private IRenderedComponent<TokensPage> RenderPage()
    {
        var cut = Render<TokensPage>();
        cut.WaitForElement("[data-testid='tokens']");
        return cut;
    }

    [Fact]
    public async Task Issue_ShowsTheValueOnce_ListsTheTokenWithoutIt()
    {
        SignInAsAdmin();
        var cut = RenderPage();
        cut.Find("[data-testid='token-name'] input, input[data-testid='token-name']").Change("rack agent");

        cut.Find("[data-testid='token-issue']").Click();

        cut.WaitForElement("[data-testid='token-value']");
        var value = cut.Find("[data-testid='token-value']").TextContent;
        Assert.StartsWith("fleet_", value, StringComparison.Ordinal);
        Assert.Equal(1, cut.Markup.Split(value).Length - 1);
        Assert.Contains("rack agent", cut.Find("[data-testid='tokens']").TextContent, StringComparison.Ordinal);
        await using var db = CreateDbContext();
        var stored = await db.ApiTokens.SingleAsync();
        Assert.Equal(ApiTokens.Hash(value), stored.TokenHash);
        Assert.Equal("admin@test.local", stored.CreatedBy);
    }

    [Fact]
    public async Task Revoke_MarksTheTokenRevokedAndAudits()
    {
        SignInAsAdmin();
        var issued = await Services.GetRequiredService<ApiTokens>().IssueAsync("old agent", Roles.Technician, 30, new Actor("Ada", Roles.Admin));
        var cut = RenderPage();

        cut.Find($"[data-testid='token-revoke-{issued.Info.Id}']").Click();

        cut.WaitForAssertion(() => Assert.Contains("revoked", cut.Find("[data-testid='tokens']").TextContent, StringComparison.Ordinal));
        await using var db = CreateDbContext();
        Assert.NotNull((await db.ApiTokens.SingleAsync()).RevokedAt);
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.EntityType == ApiTokens.AuditEntity));
    }
}
