using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Domain.Inventory;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>
/// The GPU page's edit form: descriptive fields, and host and slot through a picker that offers only the host's free
/// slots. It saves through <see cref="GpuEditService"/> at the version the page was loaded at.
/// </summary>
public partial class GpuEditForm
{
    private string? _host;
    private int? _slot;
    private HostSlots? _slots;
    private string? _assetTag;
    private string? _uuid;
    private string? _boardPartNumber;
    private string? _vbios;
    private string? _warranty;
    private string? _notes;
    private bool _busy;
    private bool _failed;
    private bool _stale;
    private string? _message;
    private Dictionary<string, string> _errors = new(StringComparer.Ordinal);

    [Parameter, EditorRequired]
    public GpuDetail Detail { get; set; } = default!;

    [Parameter, EditorRequired]
    public Actor Actor { get; set; } = default!;

    /// <summary>Raised after a save with the saved card.</summary>
    [Parameter]
    public EventCallback<GpuListItem> OnSaved { get; set; }

    [Parameter]
    public EventCallback OnCancel { get; set; }

    [Parameter]
    public EventCallback OnReload { get; set; }

    [Inject]
    private GpuEditService Edits { get; set; } = default!;

    private string Serial => Detail.Gpu.Serial;

    private bool HasError(string field) => _errors.ContainsKey(field);

    private string? ErrorOf(string field) => _errors.GetValueOrDefault(field);

    protected override async Task OnParametersSetAsync()
    {
        var g = Detail.Gpu;
        _host = g.Host;
        _slot = g.Slot;
        _assetTag = g.AssetTag;
        _uuid = g.Uuid;
        _boardPartNumber = Detail.BoardPartNumber;
        _vbios = Detail.Vbios;
        _notes = Detail.Notes;
        _warranty = g.WarrantyEndsAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        _slots = g.Host is null ? null : await Edits.SlotsAsync(g.Host);
    }

    private async Task HostChangedAsync()
    {
        _errors.Remove("host");
        if (string.IsNullOrWhiteSpace(_host))
        {
            _slots = null;
            _slot = null;
            return;
        }

        _slots = await Edits.SlotsAsync(_host);
        if (_slots is null)
        {
            _errors["host"] = $"Unknown host '{_host.Trim()}'.";
        }
        else if (_slot is { } s && !_slots.Free(Serial).Contains(s))
        {
            _slot = null;
        }
    }

    private async Task SaveAsync()
    {
        _busy = true;
        _errors = new(StringComparer.Ordinal);
        _message = null;
        _stale = false;
        try
        {
            var host = (_host ?? "").Trim();
            var unchangedPlace = string.Equals(host, Detail.Gpu.Host ?? "", StringComparison.Ordinal) && _slot == Detail.Gpu.Slot;
            var request = new GpuEditRequest(_uuid ?? "", _assetTag ?? "", _boardPartNumber ?? "", _vbios ?? "", _notes ?? "", _warranty ?? "",
                unchangedPlace ? null : host, unchangedPlace || host.Length == 0 ? null : _slot, Detail.Gpu.Version);
            var saved = await Edits.EditAsync(Serial, request, Actor);
            _failed = false;
            _message = "Saved.";
            await OnSaved.InvokeAsync(saved);
        }
        catch (GpuEditException ex)
        {
            foreach (var e in ex.Errors)
            {
                _errors.TryAdd(e.Field, e.Message);
            }

            _failed = true;
            _message = ex.Errors.Count == 1 ? "One field is not valid; nothing was saved." : $"{ex.Errors.Count} fields are not valid; nothing was saved.";
        }
        catch (ConcurrencyException ex)
        {
            _failed = true;
            _stale = true;
            _message = ex.Message;
        }
        catch (DomainException ex)
        {
            _failed = true;
            _message = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
