using Fleet.Application.Inventory;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>
/// The grid's selection: serials picked one by one or as a shift-range on the shown page, or "all that match" the filter,
/// which stays a filter (the server resolves it), so a million matches never travel to the browser.
/// </summary>
public sealed class BulkSelection
{
    private readonly HashSet<string> _serials = new(StringComparer.Ordinal);
    private string? _anchor;

    /// <summary>The filter the selection was made under; a different filter starts a fresh selection.</summary>
    public BulkFilter Filter { get; private set; } = new();

    /// <summary>Every card that matches <see cref="Filter"/>, on every page.</summary>
    public bool AllMatching { get; private set; }

    /// <summary>How many cards match the filter (for "all N matching").</summary>
    public int MatchingCount { get; set; }

    public IReadOnlyCollection<string> Serials => _serials;

    public int Count => AllMatching ? MatchingCount : _serials.Count;

    public bool IsEmpty => Count == 0;

    public bool Contains(string serial) => AllMatching || _serials.Contains(serial);

    /// <summary>Keeps the selection while the filter is the same; clears it when the filter changed.</summary>
    public void Scope(BulkFilter filter)
    {
        if (filter != Filter)
        {
            Clear();
            Filter = filter;
        }
    }

    /// <summary>
    /// Toggles <paramref name="serial"/>; with <paramref name="range"/> (shift-click) every card of <paramref name="page"/>
    /// from the last clicked one to this one takes this one's new state.
    /// </summary>
    public void Toggle(string serial, bool range, IReadOnlyList<string> page)
    {
        if (AllMatching)
        {
            // Unticking one card of "all matching" turns the selection into this page's cards less that one.
            AllMatching = false;
            _serials.UnionWith(page);
        }

        var select = !_serials.Contains(serial);
        var from = _anchor is null ? -1 : IndexOf(page, _anchor);
        var to = IndexOf(page, serial);
        if (range && from >= 0 && to >= 0)
        {
            for (var i = Math.Min(from, to); i <= Math.Max(from, to); i++)
            {
                Set(page[i], select);
            }
        }
        else
        {
            Set(serial, select);
        }

        _anchor = serial;
    }

    /// <summary>Selects or clears every card of the shown page.</summary>
    public void TogglePage(IReadOnlyList<string> page)
    {
        var all = page.Count > 0 && page.All(Contains);
        AllMatching = false;
        foreach (var serial in page)
        {
            Set(serial, !all);
        }
    }

    public bool PageFullySelected(IReadOnlyList<string> page) => page.Count > 0 && page.All(Contains);

    /// <summary>Every card that matches the filter, across pages.</summary>
    public void SelectAllMatching()
    {
        _serials.Clear();
        AllMatching = true;
    }

    public void Clear()
    {
        _serials.Clear();
        AllMatching = false;
        _anchor = null;
    }

    private void Set(string serial, bool selected)
    {
        if (selected)
        {
            _serials.Add(serial);
        }
        else
        {
            _serials.Remove(serial);
        }
    }

    private static int IndexOf(IReadOnlyList<string> page, string serial)
    {
        for (var i = 0; i < page.Count; i++)
        {
            if (string.Equals(page[i], serial, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
