namespace Fleet.Application.Import;

/// <summary>An import's errors in file order, capped so a hopeless file does not produce a million of them; every stage adds to it.</summary>
internal sealed class ImportErrorList(int max)
{
    private readonly List<ImportError> _items = [];
    private int _dropped;

    public int Count => _items.Count + _dropped;
    public bool Full => _items.Count >= max;

    public IReadOnlyList<ImportError> Items => _dropped == 0
        ? _items.OrderBy(e => e.Line).ToList()
        : [.. _items.OrderBy(e => e.Line), new ImportError(_items.Max(e => e.Line), "", null, $"…and {_dropped:N0} more errors not listed.")];

    public void Add(int line, string column, string? value, string message)
    {
        if (_items.Count >= max)
        {
            _dropped++;
            return;
        }

        _items.Add(new ImportError(line, column, value, message));
    }
}
