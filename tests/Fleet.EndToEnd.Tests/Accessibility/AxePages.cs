using Fleet.Domain;

namespace Fleet.EndToEnd.Tests.Accessibility;

/// <summary>A routable page the accessibility check visits: a path (with {placeholders} filled from the demo data),
/// the roles that may open it (empty: anonymous), and a selector that is present once its data has loaded.</summary>
public sealed record AxePage(string Name, string Path, IReadOnlyList<string> Roles, string? ReadySelector = null);

/// <summary>
/// Every routable page of the app, once. Add a row when you add a page (the check fails on a page no row names).
/// Placeholders: {serial} a card with an RMA case, {order} a purchase order number, {rma} an RMA case id, {dc}, {rack} and
/// {host} where a card is placed, {vendor} a vendor id, {code} an HTTP error status, {run} a plan run id.
/// The API reference (/scalar) is Scalar's own page, not the app's, and is not listed.
/// </summary>
public static class AxePages
{
    private static readonly string[] s_everyone = [Roles.Admin, Roles.Procurement, Roles.Technician, Roles.Finance, Roles.Viewer];

    private static readonly string[] s_planners = [Roles.Admin, Roles.Procurement, Roles.Finance, Roles.Viewer];

    public static IReadOnlyList<AxePage> All { get; } =
    [
        new("login", "login", [], "#sign-in"),
        new("set-password", "account/set-password?token=not-a-token", []),
        new("denied", "denied", [Roles.Viewer]),
        new("dashboard", "", s_everyone, "[data-testid='card-total-value']"),
        new("gpus", "gpus", s_everyone, "[data-testid='gpu-serial']"),
        new("gpu", "gpus/{serial}", s_everyone, "[data-testid='gpu-fields']"),
        new("labels", "gpus/labels?serials={serial}", s_everyone, "[data-testid='label']"),
        new("gpu-not-found", "gpus/no-such-card", s_everyone, "[data-testid='gpu-not-found']"),
        new("import", "import", [Roles.Admin, Roles.Procurement], "[data-testid='import-file']"),
        new("orders", "procurement/orders", s_everyone),
        new("order", "procurement/orders/{order}", s_everyone),
        new("quotes", "procurement/quotes", s_everyone),
        new("vendors", "procurement/vendors", s_everyone),
        new("rma", "rma", s_everyone),
        new("rma-case", "rma/{rma}", s_everyone),
        new("burnin", "burnin", s_everyone),
        new("profiles", "profiles", s_everyone),
        new("planner", "planning", s_planners, "[data-testid='scenario-form']"),
        new("plan-scenarios", "planning/scenarios", s_planners),
        new("plan-run", "planning/runs/{run}", s_planners, "[data-testid='plan-run']"),
        new("plan-compare", "planning/compare?a=1&b=1", s_planners),
        new("reports", "finance/reports", s_everyone),
        new("users", "admin/users", [Roles.Admin]),
        new("tokens", "admin/tokens", [Roles.Admin]),
        new("role-refused", "admin/users", [Roles.Viewer], "[data-testid='access-denied'], .mud-alert"),
        new("locations", "locations", s_everyone, "[data-testid='datacenters']"),
        new("location-dc", "locations/{dc}", s_everyone, "[data-testid='racks']"),
        new("location-rack", "locations/{dc}/{rack}", s_everyone, "[data-testid='rack-totals']"),
        new("host", "hosts/{host}", s_everyone, "[data-testid='host-totals']"),
        new("vendor", "procurement/vendors/{vendor}", s_everyone, "[data-testid='vendor-title']"),
        new("not-found", "no-such-page", [], "[data-testid='not-found']"),
        new("not-found-signed-in", "not-found", [Roles.Viewer], "[data-testid='not-found']"),
        new("status-page", "status/{code}", [Roles.Viewer], "[data-testid='not-found']"),
    ];
}
