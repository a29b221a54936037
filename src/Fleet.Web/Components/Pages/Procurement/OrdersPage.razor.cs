using System.Globalization;
using Fleet.Application.Procurement;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>Every purchase order, and (for Procurement) a form for a new one.</summary>
public partial class OrdersPage
{
    private IReadOnlyList<OrderItem> _orders = [];
    private string? _number;

    internal static string Money(decimal amount, string currency) => $"{amount.ToString("N2", CultureInfo.InvariantCulture)} {currency}";

    protected override async Task OnInitializedAsync()
    {
        await LoadFormAsync();
        _orders = await Procurement.OrdersAsync();
    }

    private Task CreateAsync() => RunAsync(async () =>
    {
        var order = await Procurement.CreateOrderAsync(
            new CreateOrderRequest(_number, _vendor, _currency, _datacenter, null, [Line()]), await ActorAsync());
        Navigation.NavigateTo($"procurement/orders/{Uri.EscapeDataString(order.Number)}");
    });
}
