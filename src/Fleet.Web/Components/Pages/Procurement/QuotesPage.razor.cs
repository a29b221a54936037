using System.Globalization;
using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Fleet.Domain;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>Vendor quotes: record one (Procurement), and turn an accepted quote into a draft purchase order.</summary>
public partial class QuotesPage
{
    private IReadOnlyList<QuoteItem> _quotes = [];
    private IReadOnlyList<VendorItem> _vendors = [];
    private IReadOnlyList<string> _models = [];
    private bool _canEdit;
    private string? _reference;
    private string? _vendor;
    private string _currency = "USD";
    private string _datacenter = "IAD1";
    private DateTime? _validUntil = DateTime.UtcNow.Date.AddDays(30);
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

    private static string Day(DateTime value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The order a quote becomes is named after it, so the two are easy to find from each other.</summary>
    internal static string OrderNumberFor(string reference) => $"PO-{reference}";

    protected override async Task OnInitializedAsync()
    {
        _canEdit = Roles.Satisfies(await RoleAsync(), Roles.Procurement);
        _vendors = await Procurement.VendorsAsync();
        _models = (await Inventory.ModelsAsync()).Select(m => m.Name).ToList();
        _vendor ??= _vendors.FirstOrDefault()?.Name;
        _model ??= _models.FirstOrDefault();
        _quotes = await Procurement.QuotesAsync();
    }

    private Task CreateAsync() => RunAsync(async () =>
    {
        var quote = await Procurement.CreateQuoteAsync(new CreateQuoteRequest(_reference, _vendor, _currency, _datacenter, null,
            _validUntil is { } until ? DateTime.SpecifyKind(until, DateTimeKind.Utc) : null,
            [new OrderLineRequest(_model, _quantity, _unitPrice, _warranty)]), await ActorAsync());
        _quotes = await Procurement.QuotesAsync();
        Success = $"Quote {quote.Reference} recorded: {OrdersPage.Money(quote.Total, quote.Currency)}.";
    });

    private Task ConvertAsync(string reference) => RunAsync(async () =>
    {
        var order = await Procurement.ConvertQuoteAsync(reference, OrderNumberFor(reference), await ActorAsync());
        Navigation.NavigateTo($"procurement/orders/{Uri.EscapeDataString(order.Number)}");
    });
}
