using Fleet.Application.Procurement;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>Vendor quotes: record one (Procurement), and turn an accepted quote into a draft purchase order.</summary>
public partial class QuotesPage
{
    private IReadOnlyList<QuoteItem> _quotes = [];
    private string? _reference;
    private DateTime? _validUntil = DateTime.UtcNow.Date.AddDays(30);

    [Inject]
    private QuoteService Quotes { get; set; } = default!;

    private static string Day(DateTime value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The order a quote becomes is named after it, so the two are easy to find from each other.</summary>
    internal static string OrderNumberFor(string reference) => $"PO-{reference}";

    protected override async Task OnInitializedAsync()
    {
        await LoadFormAsync();
        _quotes = await Quotes.ListAsync();
    }

    private Task CreateAsync() => RunAsync(async () =>
    {
        var quote = await Quotes.CreateAsync(new CreateQuoteRequest(_reference, _vendor, _currency, _datacenter, null,
            _validUntil is { } until ? DateTime.SpecifyKind(until, DateTimeKind.Utc) : null, [Line()]), await ActorAsync());
        _quotes = await Quotes.ListAsync();
        Success = $"Quote {quote.Reference} recorded: {Money.Format(quote.Total, quote.Currency)}.";
    });

    private Task ConvertAsync(string reference) => RunAsync(async () =>
    {
        var order = await Quotes.ConvertAsync(reference, OrderNumberFor(reference), await ActorAsync());
        Navigation.NavigateTo($"procurement/orders/{Uri.EscapeDataString(order.Number)}");
    });
}
