using Fleet.Application.Planning;
using Fleet.Application.Procurement;
using Fleet.Planning.Capacity;
using Fleet.Planning.Simulation;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Planning;

/// <summary>One plan run: progress while it is on the queue (polled), cancel, then its results and, for a capacity search, the buy plan.</summary>
public partial class PlanRunView
{
    /// <summary>How often a queued or running run is re-read.</summary>
    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _stop = new();
    private PlanRunDetail? _detail;
    private SimulationResult? _simulation;
    private CapacityResult? _capacity;
    private BuyPlanPreview? _buyPlan;
    private BuyPlanResult? _ordered;
    private IReadOnlyList<string> _vendors = [];
    private string? _vendor;
    private bool _loaded;
    private bool _canRun;
    private bool _canOrder;

    [Parameter, EditorRequired]
    public int RunId { get; set; }

    [Inject]
    private IPlanningService Planning { get; set; } = default!;

    [Inject]
    private VendorService Vendors { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var role = await RoleAsync();
        _canRun = Roles.Satisfies(role, Roles.Procurement) || Roles.Satisfies(role, Roles.Finance);
        _canOrder = Roles.Satisfies(role, Roles.Procurement);
        await LoadAsync();
        _ = PollAsync();
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (_detail is { Run.State: PlanState.Queued or PlanState.Running } && await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // the view left the page
        }
    }

    private async Task LoadAsync()
    {
        _detail = await Planning.GetAsync(RunId, _stop.Token);
        _loaded = true;
        if (_detail is not { Run.State: PlanState.Done })
        {
            return;
        }

        if (_detail.Run.Kind == PlanKind.Capacity)
        {
            _capacity ??= PlanCharts.Capacity(_detail.ResultJson);
            if (_capacity is not null && _buyPlan is null)
            {
                try
                {
                    _buyPlan = await Planning.BuyPlanAsync(RunId, _stop.Token);
                }
                catch (DomainException ex)
                {
                    Error = ex.Message;
                }

                if (_canOrder && _buyPlan is { Lines.Count: > 0 })
                {
                    _vendors = (await Vendors.ListAsync(_stop.Token)).Select(v => v.Name).ToList();
                    _vendor ??= _vendors.FirstOrDefault();
                }
            }
        }
        else
        {
            _simulation ??= PlanCharts.Simulation(_detail.ResultJson);
        }
    }

    private Task CancelAsync() => RunAsync(async () =>
    {
        await Planning.CancelAsync(RunId, await ActorAsync());
        await LoadAsync();
    });

    private Task OrderAsync() => RunAsync(async () =>
    {
        _ordered = await Planning.CreateBuyPlanOrdersAsync(RunId, new BuyPlanRequest(_vendor), await ActorAsync());
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
