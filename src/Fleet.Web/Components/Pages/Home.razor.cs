using Fleet.Application.Inventory;
using Fleet.Domain.Lifecycle;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Fleet.Web.Components.Pages;

/// <summary>The dashboard: fleet counts by status, datacenter and model, computed in the database.</summary>
public partial class Home
{
    private static readonly string[] s_attention =
        [nameof(GpuStatus.Failed), nameof(GpuStatus.Maintenance), nameof(GpuStatus.RmaPending), nameof(GpuStatus.RmaShipped)];

    private FleetSummary? _summary;
    private string? _error;
    private List<ChartSeries<double>> _statusSeries = [];
    private string[] _statusLabels = [];
    private List<ChartSeries<double>> _datacenterSeries = [];
    private string[] _datacenterLabels = [];
    private List<ChartSeries<double>> _modelSeries = [];
    private string[] _modelLabels = [];

    [Inject]
    private InventoryService Inventory { get; set; } = default!;

    private int InService => Count(nameof(GpuStatus.InService));

    private int NeedAttention => s_attention.Sum(Count);

    private int DatacenterCount => _summary?.ByDatacenter.Count(d => d.Key != "(none)") ?? 0;

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _summary = await Inventory.SummaryAsync();
        }
        catch (DomainException ex)
        {
            _error = ex.Message;
            return;
        }

        // The donut leaves out empty states so its legend stays readable; the table below lists them all.
        (_statusSeries, _statusLabels) = Series(_summary.ByStatus.Where(s => s.Count > 0).ToList());
        (_datacenterSeries, _datacenterLabels) = Series(_summary.ByDatacenter);
        (_modelSeries, _modelLabels) = Series(_summary.ByModel);
    }

    private int Count(string status) => _summary?.ByStatus.FirstOrDefault(s => s.Key == status)?.Count ?? 0;

    private static (List<ChartSeries<double>>, string[]) Series(IReadOnlyList<CountItem> items) =>
        ([new ChartSeries<double> { Name = "GPUs", Data = new ChartData<double>(items.Select(i => (double)i.Count).ToArray()) }],
            items.Select(i => i.Key).ToArray());
}
