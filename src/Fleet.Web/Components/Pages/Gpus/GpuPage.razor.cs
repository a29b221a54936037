using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Shared;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>
/// One card: specs, placement history, audit trail and the lifecycle moves the signed-in role may make, guarded by
/// the version the page was loaded at.
/// </summary>
public partial class GpuPage
{
    private GpuDetail? _detail;
    private IReadOnlyList<AuditItem> _history = [];
    private bool _notFound;
    private string? _loadError;
    private string _role = Roles.Viewer;
    private GpuStatus? _pending;
    private string? _message;
    private bool _busy;
    private string? _alert;
    private Severity _alertSeverity = Severity.Error;
    private bool _stale;
    private List<BreadcrumbItem> _breadcrumbs = [];
    private bool _editing;
    private Actor? _actor;
    private CardOrderLinks? _links;

    [Parameter]
    public string Serial { get; set; } = "";

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private InventoryService Inventory { get; set; } = default!;

    [Inject]
    private CardLinkService CardLinks { get; set; } = default!;

    private bool CanEdit => _actor is not null && GpuEditService.MayEdit(_actor.Role);

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private LiveAnnouncer Announcer { get; set; } = default!;

    private PlacementItem? CurrentPlacement => _detail?.Placements.FirstOrDefault(p => p.To is null);

    /// <summary>True when the lifecycle table demands a message for the chosen move (Failed, Maintenance, Retired).</summary>
    private bool MessageRequired =>
        _detail is not null && _pending is { } to
        && GpuLifecycle.Find(_detail.Gpu.Status, to)?.Requires.Contains(RequiredField.Message) == true;

    protected override async Task OnParametersSetAsync()
    {
        _breadcrumbs = [new("GPUs", "gpus"), new(Serial, null, disabled: true)];
        _pending = null;
        _alert = null;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        _actor = user?.Identity?.IsAuthenticated == true ? user.ToActor() : null;
        _role = _actor?.Role ?? Roles.Viewer;
        try
        {
            _detail = await Inventory.GetAsync(Serial, _role);
            _links = await CardLinks.OrderLinksAsync(Serial);
            _history = await Inventory.HistoryAsync(Serial);
            _notFound = false;
            _loadError = null;
        }
        catch (NotFoundException)
        {
            _notFound = true;
            _detail = null;
        }
        catch (DomainException ex)
        {
            _loadError = ex.Message;
            _detail = null;
        }
    }

    private void Choose(GpuStatus to)
    {
        _pending = to;
        _message = null;
        _alert = null;
    }

    private async Task ConfirmAsync()
    {
        if (_detail is null || _pending is not { } to)
        {
            return;
        }

        _busy = true;
        try
        {
            var user = (await AuthenticationState!).User;
            var result = await Inventory.TransitionAsync(Serial, new TransitionRequest(to.ToString(), _message, _detail.Gpu.Version), user.ToActor());
            Snackbar.Add($"{Serial} is now {result.Status}.", Severity.Success);
            _pending = null;
            _stale = false;
            await LoadAsync();
        }
        catch (ConcurrencyException ex)
        {
            Show($"This GPU was changed by someone else — reload to see the change, then try again. ({ex.Message})", stale: true);
        }
        catch (DomainException ex)
        {
            Show(ex.Message, stale: false);
        }
        finally
        {
            _busy = false;
        }
    }

    private void Show(string message, bool stale)
    {
        _alert = message;
        _alertSeverity = stale ? Severity.Warning : Severity.Error;
        _stale = stale;
        Announcer.Error(message);
    }

    private async Task EditSavedAsync(GpuListItem saved)
    {
        Snackbar.Add($"{saved.Serial} saved.", Severity.Success);
        _editing = false;
        await LoadAsync();
    }

    private async Task ReloadAsync()
    {
        _alert = null;
        _stale = false;
        _pending = null;
        await LoadAsync();
    }

    private static string Date(DateTime? value) =>
        value?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
}
