using Fleet.Application.Finance;
using Fleet.Application.Reports;
using Fleet.Web.Api;
using Fleet.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Finance;

/// <summary>
/// Every finance report on screen with a chart (one series per currency, never summed across them), totals that open
/// the cards behind them, row drill-down, and CSV/XLSX export through the reports API.
/// </summary>
public partial class ReportsPage
{
    private const int MaxRows = 500;
    private string _name = ReportService.Capex;
    private string? _asOf;
    private string? _from;
    private string? _to;
    private string? _datacenter;
    private ReportTable? _table;
    private ReportTable? _drill;
    private string? _drillLabel;
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private BarChartOptions _chartOptions = new();
    private bool _canEdit;
    private string? _budgetDc = "IAD1";
    private int _budgetYear = DateTime.UtcNow.Year;
    private decimal _budgetAmount;
    private List<EditablePolicy> _policies = [];

    /// <summary>A depreciation policy row being edited.</summary>
    private sealed class EditablePolicy(PolicyItem p)
    {
        public string Model { get; } = p.Model;
        public int LifeMonths { get; set; } = p.LifeMonths;
        public decimal? SalvageAmount { get; set; } = p.SalvageAmount;
        public decimal SalvagePercent { get; set; } = p.SalvagePercent;
        public long Version { get; set; } = p.Version;
    }

    /// <summary>The value axis of the chart on screen (from its data, not a fixed 0–20).</summary>
    public AxisScale? ChartScale { get; private set; }

    [Inject]
    private ReportService Reports { get; set; } = default!;

    [Inject]
    private FinanceService Finance { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _canEdit = Roles.Satisfies(await RoleAsync(), Roles.Finance);
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(Navigation.Uri).Query);
        _name = query["report"] is { } r && ReportService.Names.Contains(r) ? r : _name;
        _asOf = query["asOf"];
        _from = query["from"];
        _to = query["to"];
        _datacenter = query["datacenter"];
        if (_canEdit)
        {
            _policies = (await Finance.PoliciesAsync()).Select(p => new EditablePolicy(p)).ToList();
        }

        await RunReportAsync();
    }

    internal static string Num(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A money cell in its row's currency (decimals and separators); any other cell as <see cref="Cell(object?)"/>.</summary>
    private string Cell(ReportTable table, ReportRow row, int column)
    {
        if (table.Columns[column].Kind == ColumnKind.Money && row.Cells[column] is decimal amount)
        {
            var currencyAt = table.Columns.ToList().FindIndex(c => c.Name == "currency");
            return Money.Number(amount, currencyAt >= 0 ? row.Cells[currencyAt] as string : null);
        }

        return Cell(row.Cells[column]);
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString("N2", CultureInfo.InvariantCulture),
        double x => x.ToString("N1", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private string ExportUrl(string format)
    {
        var parts = new List<string> { $"format={format}" };
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{key}={Uri.EscapeDataString(value.Trim())}");
            }
        }

        Add("asOf", _asOf);
        Add("from", _from);
        Add("to", _to);
        Add("datacenter", _datacenter);
        return $"api/reports/{_name}?{string.Join('&', parts)}";
    }

    private async Task ReportChangedAsync(string name)
    {
        _name = name;
        await RunReportAsync();
        KeepInUrl();
    }

    private ReportQuery ReadQuery() => new()
    {
        AsOf = string.IsNullOrWhiteSpace(_asOf) ? null : ReportEndpoints.ParseDate("asOf", _asOf),
        From = string.IsNullOrWhiteSpace(_from) ? null : ReportEndpoints.ParseDate("from", _from),
        To = string.IsNullOrWhiteSpace(_to) ? null : ReportEndpoints.ParseDate("to", _to),
        Datacenter = string.IsNullOrWhiteSpace(_datacenter) ? null : _datacenter.Trim(),
    };

    private Task RunReportAsync() => RunAsync(async () =>
    {
        _drill = null;
        _table = await Reports.RunAsync(_name, ReadQuery());
        BuildChart(_table);
    });

    private async Task RunClickedAsync()
    {
        await RunReportAsync();
        KeepInUrl();
    }

    /// <summary>The report and its parameters in the address, so a reload or a shared link opens the same report.</summary>
    private void KeepInUrl()
    {
        static string? Value(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        var target = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["report"] = _name,
            ["asOf"] = Value(_asOf),
            ["from"] = Value(_from),
            ["to"] = Value(_to),
            ["datacenter"] = Value(_datacenter),
        });
        if (!string.Equals(target, Navigation.Uri, StringComparison.Ordinal))
        {
            Navigation.NavigateTo(target, new NavigationOptions { ReplaceHistoryEntry = true });
        }
    }

    private Task DrillAsync(ReportQuery? drill, string label) => drill is null ? Task.CompletedTask : RunAsync(async () =>
    {
        _drill = await Reports.RunAsync(ReportService.AssetRegister, drill);
        _drillLabel = label;
    });

    /// <summary>Bars per category, one series per currency (or per measure where each category has one currency).</summary>
    private void BuildChart(ReportTable t)
    {
        (string Category, string Value, string? SeriesBy) plan = t.Name switch
        {
            ReportService.AssetRegister => ("model", "book_value", "currency"),
            ReportService.DepreciationSchedule => ("month", "depreciation", "currency"),
            ReportService.Capex => ("month", "amount", "currency"),
            ReportService.BudgetVsActual => ("datacenter", "actual", "currency"),
            ReportService.CostPerGpuHour => ("model", "cost_per_gpu_hour", "currency"),
            ReportService.RmaCredits => ("vendor", "credit", "currency"),
            _ => ("window", "", null),
        };
        var category = t.IndexOf(plan.Category);
        var labels = t.Rows.Select(r => Convert.ToString(r.Cells[category], CultureInfo.InvariantCulture) ?? "").Distinct().Order(StringComparer.Ordinal).ToArray();
        IEnumerable<IGrouping<string, ReportRow>> groups = plan.SeriesBy is null
            ? t.Rows.GroupBy(_ => "cards")
            : t.Rows.GroupBy(r => (string)r.Cells[t.IndexOf(plan.SeriesBy)]!);
        var series = groups.Select(g => (g.Key, (IReadOnlyList<double>)labels.Select(l => g.Where(r => Convert.ToString(r.Cells[category], CultureInfo.InvariantCulture) == l)
            .Sum(r => plan.Value.Length == 0 ? 1.0 : r.Cells[t.IndexOf(plan.Value)] is decimal d ? (double)d : 0.0)).ToList())).ToList();
        (_series, _labels, _chartOptions, ChartScale) = ReadableChart.Bars(series, labels);
    }

    private Task SaveBudgetAsync() => RunAsync(async () =>
    {
        await Finance.SetBudgetAsync(new BudgetRequest(_budgetDc, _budgetYear, null, _budgetAmount), await ActorAsync());
        if (_name == ReportService.BudgetVsActual)
        {
            _table = await Reports.RunAsync(_name, ReadQuery());
            BuildChart(_table);
        }
    }, "Budget saved.");

    private Task SavePolicyAsync(EditablePolicy p) => RunAsync(async () =>
    {
        var saved = await Finance.SetPolicyAsync(p.Model, new PolicyRequest(p.LifeMonths, p.SalvageAmount, p.SalvagePercent,
            p.Version == 0 ? null : p.Version), await ActorAsync());
        p.Version = saved.Version;
    }, $"Policy of {p.Model} saved.");
}
