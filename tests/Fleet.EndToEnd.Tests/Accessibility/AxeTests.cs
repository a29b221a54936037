using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Fleet.Domain;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Fleet.Web.Components.Layout;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Fleet.EndToEnd.Tests.Accessibility;

/// <summary>
/// axe-core (WCAG 2.1 A and AA rules) over every page of <see cref="AxePages"/>, for every role that may open it and
/// for anonymous visitors, in the light and the dark theme. One browser; one signed-in context per role.
/// </summary>
public sealed partial class AxeTests(ITestOutputHelper output)
{
    private static readonly string[] s_wcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    [Fact]
    public void AxePages_EveryRoutablePage_IsListed()
    {
        var listed = AxePages.All.Select(p => Normalize(p.Path)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => Normalize(r.Template))
            .Where(r => !listed.Contains(r))
            .ToList();
        Assert.True(missing.Count == 0, $"Pages missing from AxePages.All: {string.Join(", ", missing)}");
    }

    [SkippableFact]
    public async Task EveryPage_EveryRoleLightAndDark_NoWcag21AaViolations()
    {
        var clock = Stopwatch.StartNew();
        await using var app = await FleetAppServer.StartAsync(TestDatabase.Sqlite, seedDemo: true);
        var values = await PlaceholdersAsync(app);
        await using var browser = await BrowserSession.OpenAsync(app, "axe");
        // Found violations are also written as they come, so a run stopped early still tells what it found.
        var report = Path.Combine(browser.ScreenshotFolder, "axe-violations.txt");
        File.WriteAllText(report, "");
        var failures = new StringBuilder();
        var scans = 0;
        // FLEET_AXE_ROLES=Admin,anonymous narrows a local run; the suite checks every role.
        var only = Environment.GetEnvironmentVariable("FLEET_AXE_ROLES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Wanted(string role) => only is null || only.Contains(role, StringComparer.OrdinalIgnoreCase);

        foreach (var theme in (string[])["light", "dark"])
        {
            // Anonymous pages in the session's own (signed-out) context.
            await SetThemeAsync(browser.Context, app, theme);
            foreach (var page in AxePages.All.Where(p => p.Roles.Count == 0 && Wanted("anonymous")))
            {
                scans++;
                await ScanAsync(browser.Page, page, values, "anonymous", theme, failures, report, interactive: false);
            }
        }

        foreach (var (email, _, role) in DemoUsers.All.Where(u => Wanted(u.Role)))
        {
            await using var context = await browser.NewContextAsync();
            var tab = await context.NewPageAsync();
            await SignInAsync(tab, email);
            foreach (var theme in (string[])["light", "dark"])
            {
                await SetThemeAsync(context, app, theme);
                foreach (var page in AxePages.All.Where(p => p.Roles.Contains(role)))
                {
                    scans++;
                    await ScanAsync(tab, page, values, role, theme, failures, report, interactive: true);
                }
            }
        }

        output.WriteLine($"{scans} scans in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(failures.Length == 0, $"axe-core found WCAG 2.1 A/AA violations:\n{failures}");
    }

    private async Task ScanAsync(IPage tab, AxePage page, IReadOnlyDictionary<string, string> values, string role, string theme, StringBuilder failures, string report, bool interactive)
    {
        var path = values.Aggregate(page.Path, (p, kv) => p.Replace($"{{{kv.Key}}}", Uri.EscapeDataString(kv.Value), StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        await tab.GotoAsync(path);
        if (interactive)
        {
            await tab.Locator(BrowserSession.InteractiveSelector).WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }

        if (page.ReadySelector is not null)
        {
            try
            {
                await tab.Locator(page.ReadySelector).First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
            }
            catch (TimeoutException)
            {
                failures.AppendLine($"- {page.Name} (/{path}) as {role}, {theme}: never showed {page.ReadySelector}");
                File.AppendAllText(report, $"{page.Name} as {role}, {theme}: never showed {page.ReadySelector}\n");
                return;
            }
        }

        // Data loads after the circuit connects; wait for the progress indicators to go.
        await Assertions.Expect(tab.Locator(".mud-progress-linear-indeterminate, .mud-table-loading")).ToHaveCountAsync(0);
        await tab.WaitForTimeoutAsync(150);
        var loaded = clock.ElapsedMilliseconds;
        var result = await tab.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. s_wcagTags] } });
        foreach (var violation in result.Violations)
        {
            foreach (var node in violation.Nodes)
            {
                failures.AppendLine($"- {page.Name} (/{path}) as {role}, {theme}: {violation.Id} ({violation.Help}) at {node.Target}: {node.Html}\n    {string.Join("; ", node.Any.Concat(node.All).Concat(node.None).Select(c => c.Message))}");
            }
        }

        var line = $"{page.Name} as {role}, {theme}: {result.Violations.Length} rule(s) violated (load {loaded} ms, axe {clock.ElapsedMilliseconds - loaded} ms)";
        output.WriteLine(line);
        File.AppendAllText(report, line + "\n" + string.Concat(result.Violations.SelectMany(v => v.Nodes.Select(n => $"  {v.Id} at {n.Target}: {n.Html}\n"))));
    }

    private static async Task SignInAsync(IPage tab, string email)
    {
        await tab.GotoAsync("login");
        await tab.FillAsync("#email", email);
        await tab.FillAsync("#password", BrowserSession.DemoPassword);
        await tab.ClickAsync("#sign-in");
        await tab.WaitForURLAsync(url => !url.Contains("/login", StringComparison.OrdinalIgnoreCase));
    }

    private static Task SetThemeAsync(IBrowserContext context, FleetAppServer app, string theme) =>
        context.AddCookiesAsync([new Cookie { Name = FleetTheme.CookieName, Value = theme, Url = app.BaseAddress.ToString() }]);

    private static async Task<IReadOnlyDictionary<string, string>> PlaceholdersAsync(FleetAppServer app)
    {
        await using var db = app.CreateDbContext();
        var rma = await db.RmaCases.OrderBy(c => c.Id).FirstAsync();
        var serial = await db.Gpus.Where(g => g.Id == rma.GpuId).Select(g => g.Serial).SingleAsync();
        var order = await db.PurchaseOrders.OrderBy(o => o.Number).Select(o => o.Number).FirstAsync();
        var host = await db.Gpus.Where(g => g.HostId != null).OrderBy(g => g.Id)
            .Select(g => new { g.Host!.Hostname, Rack = g.Host.Rack!.Name, Dc = g.Host.Rack.Datacenter!.Code }).FirstAsync();
        var vendor = await db.Vendors.OrderBy(v => v.Id).Select(v => v.Id).FirstAsync();
        return new Dictionary<string, string>
        {
            ["dc"] = host.Dc,
            ["rack"] = host.Rack,
            ["host"] = host.Hostname,
            ["vendor"] = vendor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["serial"] = serial,
            ["order"] = order,
            ["rma"] = rma.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["code"] = "500",
            // The demo seeds no plan runs: the run page shows that it has none.
            ["run"] = "1",
        };
    }

    private static string Normalize(string path) =>
        "/" + PlaceholderPattern().Replace(path.Split('?')[0].Trim('/'), "{}");

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex PlaceholderPattern();
}
