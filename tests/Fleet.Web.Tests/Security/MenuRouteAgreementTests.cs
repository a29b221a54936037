using System.Reflection;
using System.Security.Claims;
using Bunit;
using Fleet.Web.Components.Layout;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace Fleet.Web.Tests.Security;

/// <summary>
/// The menu and the routes agree on who may open what: per role, every menu link opens (the page's [Authorize] admits the
/// role), and every page the role may open is in its menu unless it is deliberately kept out of it.
/// </summary>
public sealed class MenuRouteAgreementTests : BunitContext
{
    /// <summary>
    /// Pages reached from elsewhere, never from the menu: the access-denied notice, the error pages, the labels of a
    /// grid selection and the comparison of two runs picked on the saved-scenarios page.
    /// </summary>
    private static readonly HashSet<string> HiddenOnPurpose = new(StringComparer.OrdinalIgnoreCase)
    {
        "/denied", "/not-found", "/gpus/labels", "/planning/compare",
    };

    public MenuRouteAgreementTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        // A user's saved views are links to the grid with a query, not pages: they play no part in who may open what.
        ComponentFactories.AddStub<Fleet.Web.Components.Shared.SavedViewsNav>();
    }

    public static TheoryData<string> ReaderRoles()
    {
        var roles = new TheoryData<string>();
        foreach (var role in Roles.Readers)
        {
            roles.Add(role);
        }

        return roles;
    }

    /// <summary>Every routable page without route parameters, with the authorization data on its type.</summary>
    private static IEnumerable<(string Route, Type Page, IReadOnlyList<IAuthorizeData> Authorize, bool Anonymous)> Pages() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => (Route: r.Template, Page: t)))
            .Where(p => !p.Route.Contains('{', StringComparison.Ordinal))
            .Select(p => (p.Route, p.Page, (IReadOnlyList<IAuthorizeData>)p.Page.GetCustomAttributes(true).OfType<IAuthorizeData>().ToList(),
                p.Page.GetCustomAttributes(true).OfType<IAllowAnonymous>().Any()));

    private static async Task<bool> MayOpenAsync(IReadOnlyList<IAuthorizeData> authorize, string role)
    {
        var services = new ServiceCollection().AddLogging().AddAuthorizationCore(Policies.Add).BuildServiceProvider();
        var policy = await AuthorizationPolicy.CombineAsync(services.GetRequiredService<IAuthorizationPolicyProvider>(), authorize)
            ?? throw new InvalidOperationException("A page without [Authorize] would be open to anyone.");
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone"), new Claim(ClaimTypes.Role, role)], "test"));
        return (await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, policy)).Succeeded;
    }

    private HashSet<string> MenuOf(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        var menu = Render<NavMenu>();
        return menu.FindAll("a[href]").Select(a => "/" + a.GetAttribute("href")!.TrimStart('/')).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Pages_EveryRoutablePage_StatesWhoMayOpenIt()
    {
        var unstated = Pages().Where(p => p.Authorize.Count == 0 && !p.Anonymous).Select(p => p.Route).ToList();

        Assert.True(unstated.Count == 0, $"Pages without [Authorize] or [AllowAnonymous]: {string.Join(", ", unstated)}");
        Assert.Contains(Pages(), p => p.Route == "/rma");
    }

    [Theory]
    [MemberData(nameof(ReaderRoles))]
    public async Task Menu_EachRole_ListsExactlyThePagesItMayOpen(string role)
    {
        var menu = MenuOf(role);
        var openable = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var page in Pages().Where(p => !p.Anonymous))
        {
            if (await MayOpenAsync(page.Authorize, role))
            {
                openable.Add(page.Route);
            }
        }

        var denied = menu.Where(link => !openable.Contains(link)).ToList();
        var missing = openable.Where(route => !menu.Contains(route) && !HiddenOnPurpose.Contains(route)).ToList();

        Assert.True(denied.Count == 0, $"{role} sees menu links to pages it may not open: {string.Join(", ", denied)}");
        Assert.True(missing.Count == 0, $"{role} may open pages its menu does not list: {string.Join(", ", missing)}");
        Assert.Contains("/rma", menu);
    }
}
