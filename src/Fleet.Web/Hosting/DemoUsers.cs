namespace Fleet.Web.Hosting;

/// <summary>The demo users of the embedded database, one per role; the login page lists them.</summary>
public static class DemoUsers
{
    public const string Password = "Fleet-demo-2026";

    public static IReadOnlyList<(string Email, string Name, string Role)> All { get; } =
    [
        ("admin@fleet.local", "Ada Admin", Roles.Admin),
        ("procurement@fleet.local", "Pat Procurement", Roles.Procurement),
        ("tech@fleet.local", "Tom Technician", Roles.Technician),
        ("finance@fleet.local", "Fay Finance", Roles.Finance),
        ("viewer@fleet.local", "Val Viewer", Roles.Viewer),
    ];
}
