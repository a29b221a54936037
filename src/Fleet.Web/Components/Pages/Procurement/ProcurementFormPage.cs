using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>What the order and quote forms share: vendor, currency, datacenter and one line (model, quantity, price, warranty).</summary>
public abstract class ProcurementFormPage : FleetPageBase
{
    protected IReadOnlyList<VendorItem> _vendors = [];
    protected IReadOnlyList<string> _models = [];
    protected bool _canEdit;
    protected string? _vendor;
    protected string _currency = "USD";
    protected string _datacenter = "IAD1";
    protected string? _model;
    protected int _quantity = 8;
    protected decimal _unitPrice;
    protected int _warranty = 36;

    [Inject]
    protected VendorService Vendors { get; set; } = default!;

    [Inject]
    protected InventoryService Inventory { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    /// <summary>Loads the choices and decides whether the signed-in role may use the form.</summary>
    protected async Task LoadFormAsync()
    {
        _canEdit = Roles.Satisfies(await RoleAsync(), Roles.Procurement);
        _vendors = await Vendors.ListAsync();
        _models = (await Inventory.ModelsAsync()).Select(m => m.Name).ToList();
        _vendor ??= _vendors.FirstOrDefault()?.Name;
        _model ??= _models.FirstOrDefault();
    }

    /// <summary>The form's one line as a request.</summary>
    protected OrderLineRequest Line() => new(_model, _quantity, _unitPrice, _warranty);
}
