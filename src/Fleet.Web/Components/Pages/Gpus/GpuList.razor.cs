using Fleet.Application.Inventory;
using Fleet.Application.Search;
using Fleet.Web.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.WebUtilities;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>
/// The inventory grid: every page, sort and filter is a database query (never the whole fleet in memory); the
/// filters live in the URL so a view can be bookmarked or shared.
/// </summary>
public partial class GpuList
{
    private MudDataGrid<GpuListItem>? _grid;
    private IReadOnlyList<string> _datacenters = [];
    private IReadOnlyList<string> _models = [];
    private (string?, string?, string?, string?)? _loadedFilters;
    private int? _total;
    private bool _totalIsEstimate;
    private (GpuQuery Query, int Index, GpuListPage Page)? _view;
    private string? _error;
    private readonly BulkSelection _selection = new();

    /// <summary>The shown page's serials, in order (for the selection's shift-ranges).</summary>
    private IReadOnlyList<string> PageSerials => _view?.Page.Items.Select(i => i.Serial).ToList() ?? [];

    [Inject]
    private InventoryService Inventory { get; set; } = default!;

    /// <summary>The sort as the URL carries it (<c>-receivedAt</c>): a reload or bookmark restores it.</summary>
    [SupplyParameterFromQuery(Name = "sort")]
    public string? Sort { get; set; }

    /// <summary>The chosen optional columns, comma-separated (<see cref="GridColumns"/>); none: the defaults.</summary>
    [SupplyParameterFromQuery(Name = "columns")]
    public string? Columns { get; set; }

    [Inject]
    private SavedViewService Views { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The export endpoint with the grid's current filters and sort.</summary>
    private string ExportUrl => BuildUrl("api/gpus/export", Status, Datacenter, Model, Search, _sort);

    private string? _sort;

    /// <summary>The sort the grid was created with; a new grid (<see cref="_gridKey"/>) takes a sort the URL changed.</summary>
    private string? _initialSort;
    private int _gridKey;
    private string? _viewName;
    private string? _viewMessage;
    private bool _viewSaved;

    private bool IsShown(string column) => GridColumns.Shown(Columns).Contains(column);

    private static IReadOnlyCollection<string> Selected(string? list) => GpuQuery.Values(list);

    /// <summary>A multi-select's values as the URL's comma list; an empty string clears the filter.</summary>
    private static string Joined(IEnumerable<string?>? values) => GpuQuery.Join(values?.OfType<string>()) ?? "";

    /// <summary>Which way a column starts sorted: from the URL's sort when the grid was created.</summary>
    private SortDirection Direction(string column)
    {
        var sort = _initialSort?.Trim() ?? "";
        var descending = sort.StartsWith('-');
        return string.Equals(sort.TrimStart('-', '+'), column, StringComparison.OrdinalIgnoreCase)
            ? (descending ? SortDirection.Descending : SortDirection.Ascending)
            : SortDirection.None;
    }

    /// <summary>This page's query string (filters, sort, columns), without the path: what a saved view keeps.</summary>
    public string ViewQuery => BuildUrl("", Status, Datacenter, Model, Search, _sort, Columns).TrimStart('?');

    private Task ToggleColumnAsync(string column)
    {
        var shown = new HashSet<string>(GridColumns.Shown(Columns), StringComparer.Ordinal);
        if (!shown.Remove(column))
        {
            shown.Add(column);
        }

        Navigation.NavigateTo(BuildUrl("gpus", Status, Datacenter, Model, Search, _sort, GridColumns.Value(shown)), replace: true);
        return Task.CompletedTask;
    }

    private async Task SaveViewAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        if (user is null)
        {
            return;
        }

        try
        {
            var view = await Views.CreateAsync(SearchEndpoints.Owner(user), new SaveViewRequest(_viewName, ViewQuery));
            _viewMessage = $"Saved “{view.Name}”; it is listed in the menu.";
            _viewSaved = true;
            _viewName = null;
        }
        catch (DomainException ex)
        {
            _viewMessage = ex.Message;
            _viewSaved = false;
        }
    }

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _datacenters = (await Inventory.DatacentersAsync()).Select(d => d.Code).ToList();
            _models = (await Inventory.ModelsAsync()).Select(m => m.Name).ToList();
        }
        catch (DomainException ex)
        {
            _error = ex.Message;
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        // A sort the URL changed (back/forward, a saved view) and the grid does not show: a new grid starts with it.
        if (_grid is null)
        {
            _initialSort = Sort;
        }
        else if (!string.Equals(Sort ?? "", _sort ?? "", StringComparison.Ordinal))
        {
            _initialSort = Sort;
            _sort = Sort;
            _view = null;
            _gridKey++;
            return;
        }

        // The URL is the single source of the filters: a changed query string (a filter, back/forward) reloads from page one.
        // Before the grid's own first load there is nothing to refresh (reloading then would load twice).
        var filters = (Status, Datacenter, Model, Search);
        if (_grid is not null && _loadedFilters is { } loaded && filters != loaded)
        {
            if (_grid.CurrentPage != 0)
            {
                _grid.NavigateTo(Page.First);
            }
            else
            {
                await _grid.ReloadServerData();
            }
        }
    }

    /// <summary>Builds a URL whose query string carries only the filters that are set.</summary>
    public static string BuildUrl(string path, string? status, string? datacenter, string? model, string? search, string? sort = null,
        string? columns = null)
    {
        var query = new Dictionary<string, string?>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                query[key] = value.Trim();
            }
        }

        Add("status", status);
        Add("datacenter", datacenter);
        Add("model", model);
        Add("search", search);
        Add("sort", sort);
        Add("columns", columns);
        return QueryHelpers.AddQueryString(path, query);
    }

    private Task FilterAsync(string? status = null, string? datacenter = null, string? model = null, string? search = null)
    {
        // An empty string clears a filter; null leaves it as it is.
        var url = BuildUrl("gpus", status ?? Status, datacenter ?? Datacenter, model ?? Model, search ?? Search, _sort, Columns);
        Navigation.NavigateTo(url, replace: true);
        return Task.CompletedTask;
    }

    private async Task<GridData<GpuListItem>> LoadAsync(GridState<GpuListItem> state, CancellationToken ct)
    {
        _loadedFilters = (Status, Datacenter, Model, Search);
        _selection.Scope(Filter);
        var sort = state.SortDefinitions.FirstOrDefault();
        var sortText = sort is null ? null : (sort.Descending ? "-" : "") + SortField(sort.SortBy, _grid);
        var sortChanged = sortText != _sort;
        _sort = sortText;
        if (!string.Equals(sortText ?? "", Sort ?? "", StringComparison.Ordinal))
        {
            // The URL keeps the sort, so a reload or a bookmark shows the same order.
            Navigation.NavigateTo(BuildUrl("gpus", Status, Datacenter, Model, Search, sortText, Columns), replace: true);
        }

        var query = new GpuQuery { Status = Status, Datacenter = Datacenter, Model = Model, Search = Search, PageSize = state.PageSize, Sort = _sort };
        try
        {
            var page = await Inventory.ListAsync(PageQuery(query, state.Page), ct);
            _view = (query, state.Page, page);
            _total = page.Total;
            _totalIsEstimate = page.TotalIsEstimate;
            SetError(null, sortChanged);
            if (page.TotalIsEstimate)
            {
                _ = ExactTotalAsync(query);
            }

            return new GridData<GpuListItem> { Items = page.Items, TotalItems = page.Total };
        }
        catch (DomainException ex)
        {
            _view = null;
            _total = 0;
            _totalIsEstimate = false;
            SetError(ex.Message, sortChanged);
            return new GridData<GpuListItem> { Items = [], TotalItems = 0 };
        }
    }

    /// <summary>
    /// The query for grid page <paramref name="index"/>: next and previous walk from the shown page's cursors (keyset: as
    /// fast at any depth), last reads backwards from the end, and anything else falls back to the offset form.
    /// </summary>
    private GpuQuery PageQuery(GpuQuery query, int index)
    {
        if (index == 0 || _view is not { } view || view.Query != query)
        {
            return query with { Page = index + 1 };
        }

        var lastIndex = Math.Max(0, (view.Page.Total - 1) / query.PageSize);
        if (index == view.Index + 1 && view.Page.Next is { } next)
        {
            return query with { After = next };
        }

        if (index == view.Index - 1 && view.Page.Previous is { } previous)
        {
            return query with { Before = previous };
        }

        if (index == lastIndex && !view.Page.TotalIsEstimate)
        {
            var rows = view.Page.Total - (lastIndex * query.PageSize);
            return query with { Before = view.Page.Last, PageSize = Math.Max(1, rows) };
        }

        return query with { Page = index + 1 };
    }

    /// <summary>After the estimate has painted, the exact count replaces it.</summary>
    private async Task ExactTotalAsync(GpuQuery query)
    {
        try
        {
            var (total, _) = await Inventory.CountAsync(query with { ExactCount = true });
            await InvokeAsync(() =>
            {
                if (_view is { } view && view.Query == query)
                {
                    _view = view with { Page = view.Page with { Total = total, TotalIsEstimate = false } };
                    _total = total;
                    _totalIsEstimate = false;
                    StateHasChanged();
                }
            });
        }
        catch (DomainException)
        {
            // The estimate stays, labelled as one.
        }
        catch (ObjectDisposedException)
        {
            // The page was left before the count came back.
        }
    }

    /// <summary>The toolbar's count: exact, or an estimate that says so ("about 412,000").</summary>
    private string TotalText => _total is not { } total ? "…"
        : (_totalIsEstimate ? "about " : "") + total.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The grid calls <see cref="LoadAsync"/> itself, so the page re-renders when its alert or the export's sort changes.</summary>
    private void SetError(string? message, bool sortChanged)
    {
        if (_error != message || sortChanged)
        {
            _error = message;
            StateHasChanged();
        }
    }

    /// <summary>The service's sort field for a grid column: the column's Tag, else its property name camel-cased.</summary>
    private static string SortField(string column, MudDataGrid<GpuListItem>? grid)
    {
        if (grid?.RenderedColumns.FirstOrDefault(c => c.PropertyName == column)?.Tag is string tag)
        {
            return tag;
        }

        return column.Length == 0 ? "serial" : char.ToLower(column[0], CultureInfo.InvariantCulture) + column[1..];
    }

    private void OpenAsync(DataGridRowClickEventArgs<GpuListItem> args) =>
        Navigation.NavigateTo($"gpus/{Uri.EscapeDataString(args.Item.Serial)}");
}
