namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>The inventory grid's optional columns (serial is always shown), and which show when the URL names none.</summary>
public static class GridColumns
{
    public sealed record Column(string Key, string Title, bool ShownByDefault);

    public static IReadOnlyList<Column> Optional { get; } =
    [
        new("model", "Model", true), new("status", "Status", true), new("datacenter", "Datacenter", true), new("host", "Host", true),
        new("slot", "Slot", true), new("assetTag", "Asset tag", true), new("uuid", "UUID", true), new("unitCost", "Unit cost", true),
        new("poNumber", "PO number", false), new("receivedAt", "Received", true), new("warrantyEndsAt", "Warranty ends", false),
    ];

    /// <summary>The columns a <c>columns=</c> value shows (unknown keys ignored); the defaults when it is empty.</summary>
    public static IReadOnlySet<string> Shown(string? columns)
    {
        var keys = columns?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (keys is not { Length: > 0 })
        {
            return Optional.Where(c => c.ShownByDefault).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        }

        return Optional.Where(c => keys.Contains(c.Key, StringComparer.OrdinalIgnoreCase)).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The <c>columns=</c> value for a set: null when it is the default set, so plain URLs stay plain.</summary>
    public static string? Value(IReadOnlySet<string> shown)
    {
        var defaults = Shown(null);
        if (shown.SetEquals(defaults))
        {
            return null;
        }

        // An empty choice still needs a value that is not the default: serial alone.
        return shown.Count == 0 ? "serial" : string.Join(',', Optional.Where(c => shown.Contains(c.Key)).Select(c => c.Key));
    }
}
