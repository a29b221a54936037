using Fleet.Application.Inventory;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>The selection's toolbar on the GPU list: opens the bulk dialog and the label page for the chosen cards.</summary>
public partial class BulkToolbar
{
    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    [Parameter, EditorRequired]
    public BulkSelection Selection { get; set; } = default!;

    /// <summary>How many cards match the grid's filter.</summary>
    [Parameter]
    public int Total { get; set; }

    [Parameter]
    public EventCallback OnChanged { get; set; }

    /// <summary>After an action wrote something: the grid reloads.</summary>
    [Parameter]
    public EventCallback OnApplied { get; set; }

    private string CountText => Selection.AllMatching
        ? string.Create(CultureInfo.InvariantCulture, $"All {Selection.Count:N0} matching cards selected")
        : string.Create(CultureInfo.InvariantCulture, $"{Selection.Count:N0} selected");

    /// <summary>The label page for the selection: its serials, or the filter when every match is chosen.</summary>
    public string LabelsUrl => Selection.AllMatching
        ? GpuList.BuildUrl("gpus/labels", Selection.Filter.Status, Selection.Filter.Datacenter, Selection.Filter.Model, Selection.Filter.Search)
        : "gpus/labels?serials=" + Uri.EscapeDataString(string.Join(',', Selection.Serials.Order(StringComparer.Ordinal)));

    private Task SelectAllAsync()
    {
        Selection.MatchingCount = Total;
        Selection.SelectAllMatching();
        return OnChanged.InvokeAsync();
    }

    private Task ClearAsync()
    {
        Selection.Clear();
        return OnChanged.InvokeAsync();
    }

    private async Task OpenDialogAsync()
    {
        Selection.MatchingCount = Total;
        var parameters = new DialogParameters<BulkDialog> { { d => d.Selection, Selection } };
        var dialog = await Dialogs.ShowAsync<BulkDialog>("Act on the selected cards", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true });
        var result = await dialog.Result;
        await Js.InvokeVoidAsync("fleetA11y.focus", "[data-testid='bulk-action']");
        if (result is { Canceled: false, Data: true })
        {
            Selection.Clear();
            await OnApplied.InvokeAsync();
        }
        else
        {
            await OnChanged.InvokeAsync();
        }
    }
}
