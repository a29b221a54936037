using System.Globalization;
using Fleet.Application.Rma;
using Fleet.Domain;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Rma;

/// <summary>The technician's queue: failed cards without a case, open cases by age and vendor, and the moves of each case.</summary>
public partial class RmaPage
{
    private TechnicianQueue? _queue;
    private bool _canAct;
    private string? _opening;
    private string? _reason;
    private string? _evidence;
    private string? _vendorCase;
    private bool _advance;
    private string? _tracking;
    private string? _replacement;
    private decimal? _credit;

    [Inject]
    private RmaService Rma { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _canAct = Roles.Satisfies(await RoleAsync(), Roles.Technician);
        await RunAsync(async () => _queue = await Rma.QueueAsync());
    }

    private Task OpenAsync() => RunAsync(async () =>
    {
        var opened = await Rma.OpenAsync(_opening!, new OpenRmaRequest(_reason, _evidence, _vendorCase, _advance), await ActorAsync());
        _opening = _reason = _evidence = _vendorCase = null;
        _queue = await Rma.QueueAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {opened.Id} opened; {opened.Serial} is {opened.GpuStatus}.");
    });

    private Task ShipAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var shipped = await Rma.ShipAsync(c.Id, new ShipRmaRequest(_tracking), await ActorAsync(), c.Version);
        _tracking = null;
        _queue = await Rma.QueueAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {shipped.Id} shipped; {shipped.Serial} is {shipped.GpuStatus}.");
    });

    private Task ReplaceAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.ReceiveReplacementAsync(c.Id, new ReplacementRequest(_replacement, null, _credit), await ActorAsync());
        _replacement = null;
        _credit = null;
        _queue = await Rma.QueueAsync();
        Success = $"Replacement {done.ReplacementSerial} received for {done.Serial}.";
    });
}
