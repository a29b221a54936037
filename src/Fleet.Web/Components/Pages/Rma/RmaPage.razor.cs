using Fleet.Application.Rma;
using Fleet.Domain.Rma;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Rma;

/// <summary>
/// The technician's queue: failed cards without a case a page at a time (in serial order, found by serial, model,
/// datacenter or host), then the cases a page at a time (newest first, filtered by status), each row with its own
/// fields, and the moves of each case.
/// </summary>
public partial class RmaPage
{
    /// <summary>Failed cards and cases per page: keeps the page (and its Tab order) small however many cards failed.</summary>
    public const int PageSize = 25;

    private readonly Dictionary<int, CaseDraft> _drafts = [];
    private PagedFailedCards? _failed;
    private int _failedPage = 1;
    private string? _failedSearch;
    private PagedRmaCases? _cases;
    private RmaStatus? _status;
    private int _page = 1;
    private bool _canAct;
    private bool _canCredit;
    private string? _vendor;
    private string? _datacenter;
    private string? _search;
    private IReadOnlyList<string> _vendors = [];
    private IReadOnlyList<string> _datacenters = [];

    [Inject]
    private RmaService Rma { get; set; } = default!;

    [Inject]
    private Fleet.Application.Procurement.VendorService Vendors { get; set; } = default!;

    [Inject]
    private Fleet.Application.Inventory.InventoryService Inventory { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    /// <summary>The case to highlight (the GPU page links here with it).</summary>
    [SupplyParameterFromQuery(Name = "case")]
    public int? Case { get; set; }

    protected override async Task OnInitializedAsync()
    {
        var role = await RoleAsync();
        _canAct = Roles.Satisfies(role, Roles.Technician);
        _canCredit = Roles.Satisfies(role, Roles.Finance);
        await RunAsync(async () =>
        {
            _vendors = (await Vendors.ListAsync()).Select(v => v.Name).Order(StringComparer.OrdinalIgnoreCase).ToList();
            _datacenters = (await Inventory.DatacentersAsync()).Select(d => d.Code).Order(StringComparer.OrdinalIgnoreCase).ToList();
            if (Case is { } highlighted)
            {
                // The GPU page links a case here: show the page (and, for a closed case, the filter) that holds it.
                if (await Rma.PageOfAsync(highlighted, null, PageSize) is { } notClosed)
                {
                    _page = notClosed;
                }
                else if (await Rma.PageOfAsync(highlighted, RmaStatus.Closed, PageSize) is { } closed)
                {
                    (_status, _page) = (RmaStatus.Closed, closed);
                }
            }

            await ReloadAsync();
        });
    }

    private CaseDraft Draft(int caseId) => _drafts.TryGetValue(caseId, out var d) ? d : _drafts[caseId] = new CaseDraft();

    private async Task ReloadAsync()
    {
        _failed = await Rma.FindFailedAsync(_failedSearch, _failedPage, PageSize);
        _failedPage = _failed.Page;
        _cases = await Rma.FindCasesAsync(new RmaCaseFilter(_status, _vendor, _datacenter, _search), _page, PageSize);
        _page = _cases.Page;
    }

    private Task FilterAsync(RmaStatus? status) => RefilterAsync(() => _status = status);

    private Task VendorFilterAsync(string? vendor) => RefilterAsync(() => _vendor = vendor);

    private Task DatacenterFilterAsync(string? datacenter) => RefilterAsync(() => _datacenter = datacenter);

    private Task SearchAsync(string? search) => RefilterAsync(() => _search = search);

    /// <summary>A changed filter starts again at the first page.</summary>
    private Task RefilterAsync(Action change)
    {
        change();
        _page = 1;
        return RunAsync(ReloadAsync);
    }

    private Task FailedSearchAsync(string? search)
    {
        (_failedSearch, _failedPage) = (search, 1);
        return RunAsync(ReloadAsync);
    }

    private Task FailedPageAsync(int page)
    {
        _failedPage = page;
        return RunAsync(ReloadAsync);
    }

    private Task PageAsync(int page)
    {
        _page = page;
        return RunAsync(ReloadAsync);
    }

    /// <summary>
    /// Opens the case in a dialog over the row the user clicked (focus trapped inside it); on close, focus goes back to
    /// that row's button, or to the confirmation when the case was opened (the row is then gone).
    /// </summary>
    private async Task OpenDialogAsync(FailedCardItem card)
    {
        var actor = await ActorAsync();
        var dialog = await Dialogs.ShowAsync<OpenRmaDialog>($"Open an RMA for {card.Serial}",
            new DialogParameters<OpenRmaDialog> { { d => d.Card, card }, { d => d.Actor, actor } },
            new DialogOptions { CloseOnEscapeKey = true, CloseButton = true, MaxWidth = MaxWidth.Small, FullWidth = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: RmaCaseItem opened })
        {
            await RunAsync(async () =>
            {
                _page = 1;
                await ReloadAsync();
                Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {opened.Id} opened; {opened.Serial} is {opened.GpuStatus}.");
            });
            StateHasChanged();
            await FocusAsync("[data-testid='rma-success']");
        }
        else
        {
            await FocusAsync($"[data-testid='rma-open'][data-serial='{card.Serial.Replace("'", "\\'", StringComparison.Ordinal)}']");
        }
    }

    private async Task FocusAsync(string selector)
    {
        try
        {
            await Js.InvokeVoidAsync("fleetA11y.focus", selector);
        }
        catch (JSException)
        {
            // The page works without it; focus then stays where the browser put it.
        }
    }

    private Task ShipAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var shipped = await Rma.ShipAsync(c.Id, new ShipRmaRequest(Draft(c.Id).Tracking), await ActorAsync(), c.Version);
        _drafts.Remove(c.Id);
        await ReloadAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {shipped.Id} shipped; {shipped.Serial} is {shipped.GpuStatus}.");
    });

    private Task ReplaceAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.ReceiveReplacementAsync(c.Id, new ReplacementRequest(Draft(c.Id).Replacement, null, Draft(c.Id).Credit), await ActorAsync());
        _drafts.Remove(c.Id);
        await ReloadAsync();
        Success = $"Replacement {done.ReplacementSerial} received for {done.Serial}.";
    });

    private Task WithdrawAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.WithdrawAsync(c.Id, new WithdrawRmaRequest(Draft(c.Id).WithdrawReason), await ActorAsync(), c.Version);
        _drafts.Remove(c.Id);
        await ReloadAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"RMA case {done.Id} withdrawn; {done.Serial} is {done.GpuStatus}.");
    });

    private Task CreditAsync(RmaCaseItem c) => RunAsync(async () =>
    {
        var done = await Rma.CreditAsync(c.Id, new CreditRequest(Draft(c.Id).CreditOnly ?? 0m, null, Draft(c.Id).CloseOnCredit), await ActorAsync());
        _drafts.Remove(c.Id);
        await ReloadAsync();
        Success = string.Create(CultureInfo.InvariantCulture, $"Credit {Money.Format(done.CreditAmount, done.CreditCurrency)} recorded on RMA case {done.Id} ({done.Status}).");
    });

    /// <summary>What is typed into one case's row, so each row's fields are its own.</summary>
    private sealed class CaseDraft
    {
        public string? Tracking { get; set; }

        public string? WithdrawReason { get; set; }

        public string? Replacement { get; set; }

        public decimal? Credit { get; set; }

        public decimal? CreditOnly { get; set; }

        public bool CloseOnCredit { get; set; }
    }
}
