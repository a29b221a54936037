using Fleet.Application.Inventory;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>What the grid and the label sheet share: the inventory filters as the URL carries them.</summary>
public abstract class GpuFilterPage : ComponentBase
{
    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [SupplyParameterFromQuery(Name = "datacenter")]
    public string? Datacenter { get; set; }

    [SupplyParameterFromQuery(Name = "model")]
    public string? Model { get; set; }

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    /// <summary>The filters as a bulk action's scope.</summary>
    protected BulkFilter Filter => new(Status, Datacenter, Model, Search);
}
