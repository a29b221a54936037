using Fleet.Application.BurnIn;
using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>What the bulk dialog does to the selection.</summary>
public enum BulkAction
{
    Move,
    Edit,
    BurnIn,
}

/// <summary>
/// The bulk dialog: all-or-nothing sends the whole selection as one request (one transaction); "apply to those that
/// can" sends chunks of <see cref="ChunkSize"/> and shows how far it got. "All matching" is resolved on the server.
/// </summary>
public partial class BulkDialog
{
    /// <summary>Cards per request when applying to those that can.</summary>
    public const int ChunkSize = 500;

    private BulkAction _action = BulkAction.Move;
    private GpuStatus? _to;
    private string? _message;
    private string? _assetTag;
    private string? _notes;
    private bool _appendNotes;
    private string? _host;
    private bool _unplace;
    private string? _campaign;
    private string _level = "Standard";
    private bool _partial;
    private bool _running;
    private bool _applied;
    private int _done;
    private int _total;
    private string? _summary;
    private List<BulkError> _errors = [];

    [CascadingParameter]
    private IMudDialogInstance MudDialog { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private GpuBulkService Bulk { get; set; } = default!;

    [Inject]
    private CreateBurnInCampaign Campaigns { get; set; } = default!;

    [Parameter, EditorRequired]
    public BulkSelection Selection { get; set; } = default!;

    private double Percent => _total <= 0 ? 0 : 100.0 * _done / _total;

    private bool CanApply => _action switch
    {
        BulkAction.Move => _to is not null,
        BulkAction.Edit => !string.IsNullOrEmpty(_assetTag) || !string.IsNullOrEmpty(_notes) || !string.IsNullOrWhiteSpace(_host) || _unplace,
        _ => !string.IsNullOrWhiteSpace(_campaign),
    };

    private void Close() => MudDialog.Close(DialogResult.Ok(_applied));

    private async Task ApplyAsync()
    {
        _running = true;
        _summary = null;
        _errors = [];
        _done = 0;
        _total = 0;
        StateHasChanged();
        try
        {
            var actor = AuthenticationState is null ? Actor.System with { Role = Roles.Viewer } : (await AuthenticationState).User.ToActor();
            if (_action == BulkAction.BurnIn)
            {
                var serials = await SerialsAsync();
                var created = await Campaigns.CreateAsync(new CreateCampaignRequest(_campaign, _level, null, serials), actor);
                _applied = true;
                _summary = string.Create(CultureInfo.InvariantCulture, $"Campaign {created.Id} created: {created.Cards:N0} card(s) in {created.Jobs:N0} job(s).");
                return;
            }

            var changed = 0;
            if (!_partial)
            {
                // One request, one transaction: nothing is written unless every card can take the action.
                var result = await RunAsync(Selection.AllMatching ? null : [.. Selection.Serials], Selection.AllMatching ? Selection.Filter : null, actor);
                changed = result.Changed.Count;
                _errors = [.. result.Errors];
                _applied |= result.Applied;
            }
            else
            {
                var serials = await SerialsAsync();
                _total = serials.Count;
                foreach (var chunk in serials.Chunk(ChunkSize))
                {
                    var result = await RunAsync(chunk, null, actor);
                    changed += result.Changed.Count;
                    _errors.AddRange(result.Errors);
                    _applied |= result.Applied;
                    _done += chunk.Length;
                    StateHasChanged();
                }
            }

            _summary = _errors.Count == 0
                ? string.Create(CultureInfo.InvariantCulture, $"Done: {changed:N0} card(s) changed.")
                : _partial
                    ? string.Create(CultureInfo.InvariantCulture, $"{changed:N0} card(s) changed; {_errors.Count:N0} refused (listed below).")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"Nothing was changed: {_errors.Count:N0} card(s) cannot take this action (listed below). Tick \"apply to the cards that can\" to change the others.");
        }
        catch (DomainException ex)
        {
            _summary = null;
            _errors = [new BulkError("—", ex.Message)];
        }
        finally
        {
            _running = false;
        }
    }

    private Task<BulkResult> RunAsync(IReadOnlyList<string>? serials, BulkFilter? filter, Actor actor) => _action == BulkAction.Move
        ? Bulk.TransitionAsync(new BulkTransitionRequest(serials, _to?.ToString(), _message, _partial, filter), actor)
        : Bulk.EditAsync(new BulkEditRequest(serials, filter, _assetTag is null or "" ? null : _assetTag.Trim(), string.IsNullOrEmpty(_notes) ? null : _notes,
            _appendNotes ? BulkNotesMode.Append : BulkNotesMode.Replace, string.IsNullOrWhiteSpace(_host) ? null : _host, _unplace, _partial), actor);

    private async Task<IReadOnlyList<string>> SerialsAsync() =>
        Selection.AllMatching ? await Bulk.SerialsAsync(Selection.Filter) : [.. Selection.Serials.Order(StringComparer.Ordinal)];
}
