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
    private bool _canCredit;
    private string? _withdrawReason;
    private decimal? _creditOnly;
    private bool _closeOnCredit;
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

    /// <summary>The case to highlight (the GPU page links here with it).</summary>
    [SupplyParameterFromQuery(Name = "case")]
    public int? Case { get; set; }

    protected override async Task OnInitializedAsync()
    {
        var role = await RoleAsync();
        _canAct = Roles.Satisfies(role, Roles.Technician);
        _canCredit = Roles.Satisfies(role, Roles.Finance);
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

    private Task WithdrawAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.WithdrawAsync(c.Id, new WithdrawRmaRequest(_withdrawReason), await ActorAsync(), c.Version);
        _withdrawReason = null;
        _queue = await Rma.QueueAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {done.Id} withdrawn; {done.Serial} is {done.GpuStatus}.");
    });

    private Task CreditAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.CreditAsync(c.Id, new CreditRequest(_creditOnly ?? 0m, null, _closeOnCredit), await ActorAsync());
        _creditOnly = null;
        _closeOnCredit = false;
        _queue = await Rma.QueueAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"Credit {done.CreditAmount:N2} {done.CreditCurrency} recorded on RMA case {done.Id} ({done.Status}).");
    });
}
