using Fleet.Application.Procurement;
using Fleet.Domain.Procurement;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>Purchase orders searched, filtered and paged on the server, and (for Procurement) a form for a new one.</summary>
public partial class OrdersPage
{
    /// <summary>Orders per page: the list is paged on the server however many orders there are.</summary>
    public const int PageSize = 25;

    private PagedOrders? _orders;
    private string? _number;
    private string? _search;
    private PurchaseOrderStatus? _status;
    private string? _vendorFilter;
    private string? _datacenterFilter;
    private int _page = 1;
    private IReadOnlyList<string> _datacenters = [];

    [Inject]
    private PurchaseOrderService Orders { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await LoadFormAsync();
        _datacenters = (await Inventory.DatacentersAsync()).Select(d => d.Code).Order(StringComparer.OrdinalIgnoreCase).ToList();
        await RunAsync(ReloadAsync);
    }

    private async Task ReloadAsync()
    {
        _orders = await Orders.ListAsync(new OrderQuery(_search, _status, _vendorFilter, _datacenterFilter, _page, PageSize));
        _page = _orders.Page;
    }

    private Task SearchAsync(string? search)
    {
        (_search, _page) = (search, 1);
        return RunAsync(ReloadAsync);
    }

    private Task StatusAsync(PurchaseOrderStatus? status)
    {
        (_status, _page) = (status, 1);
        return RunAsync(ReloadAsync);
    }

    private Task VendorAsync(string? vendor)
    {
        (_vendorFilter, _page) = (vendor, 1);
        return RunAsync(ReloadAsync);
    }

    private Task DatacenterAsync(string? datacenter)
    {
        (_datacenterFilter, _page) = (datacenter, 1);
        return RunAsync(ReloadAsync);
    }

    private Task PageAsync(int page)
    {
        _page = page;
        return RunAsync(ReloadAsync);
    }

    private Task CreateAsync() => RunAsync(async () =>
    {
        var order = await Orders.CreateAsync(
            new CreateOrderRequest(_number, _vendor, _currency, _datacenter, null, [Line()]), await ActorAsync());
        Navigation.NavigateTo($"procurement/orders/{Uri.EscapeDataString(order.Number)}");
    });
}
