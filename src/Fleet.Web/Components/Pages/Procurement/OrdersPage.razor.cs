using System.Globalization;
using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Fleet.Domain;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>Every purchase order, and (for Procurement) a form for a new one.</summary>
public partial class OrdersPage
{
    private IReadOnlyList<OrderItem> _orders = [];
    private IReadOnlyList<VendorItem> _vendors = [];
    private IReadOnlyList<string> _models = [];
    private bool _canEdit;
    private string? _number;
    private string? _vendor;
    private string _currency = "USD";
    private string _datacenter = "IAD1";
    private string? _model;
    private int _quantity = 8;
    private decimal _unitPrice;
    private int _warranty = 36;

    [Inject]
    private ProcurementService Procurement { get; set; } = default!;

    [Inject]
    private InventoryService Inventory { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    internal static string Money(decimal amount, string currency) => $"{amount.ToString("N2", CultureInfo.InvariantCulture)} {currency}";

    protected override async Task OnInitializedAsync()
    {
        _canEdit = Roles.Satisfies(await RoleAsync(), Roles.Procurement);
        _orders = await Procurement.OrdersAsync();
        _vendors = await Procurement.VendorsAsync();
        _models = (await Inventory.ModelsAsync()).Select(m => m.Name).ToList();
        _vendor ??= _vendors.FirstOrDefault()?.Name;
        _model ??= _models.FirstOrDefault();
    }

    private Task CreateAsync() => RunAsync(async () =>
    {
        var order = await Procurement.CreateOrderAsync(new CreateOrderRequest(_number, _vendor, _currency, _datacenter, null,
            [new OrderLineRequest(_model, _quantity, _unitPrice, _warranty)]), await ActorAsync());
        Navigation.NavigateTo($"procurement/orders/{Uri.EscapeDataString(order.Number)}");
    });
}
