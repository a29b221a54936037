using Fleet.Application.Import;
using Fleet.Application.Procurement;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>One order: its lines, submit/cancel, receiving a delivery (every bad serial listed, nothing written), invoices.</summary>
public partial class OrderPage
{
    private OrderItem? _order;
    private IReadOnlyList<InvoiceItem> _invoices = [];
    private IReadOnlyList<ImportError> _errors = [];
    private bool _canEdit;
    private bool _canReview;
    /// <summary>Cards listed on the page; the inventory (searched by PO number) lists any more.</summary>
    private const int MaxCards = 500;

    private readonly Dictionary<string, string?> _reviewNotes = [];
    private IReadOnlyList<OrderCardItem> _cards = [];
    private string? _serials;
    private string? _packingList;
    private string? _invoiceNumber;
    private int _invoiceQuantity;
    private decimal _invoicePrice;

    [Parameter]
    public string Number { get; set; } = "";

    [Inject]
    private PurchaseOrderService Orders { get; set; } = default!;

    [Inject]
    private ReceivingService Receiving { get; set; } = default!;

    [Inject]
    private InvoiceService Invoices { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        var role = await RoleAsync();
        _canEdit = Roles.Satisfies(role, Roles.Procurement);
        _canReview = Roles.Satisfies(role, Roles.Finance);
        await RunAsync(LoadAsync);
    }

    private async Task LoadAsync()
    {
        _order = await Orders.GetAsync(Number);
        _invoices = await Invoices.ListAsync(Number);
        _cards = await Orders.CardsAsync(Number);
        if (_order.Lines.Count > 0 && _invoicePrice == 0)
        {
            _invoiceQuantity = _order.Lines[0].Quantity;
            _invoicePrice = _order.Lines[0].UnitPrice;
        }
    }

    private Task SubmitAsync() => RunAsync(async () => { _order = await Orders.SubmitAsync(Number, await ActorAsync()); }, "Submitted.");

    private Task CancelAsync() => RunAsync(async () => { _order = await Orders.CancelAsync(Number, await ActorAsync()); }, "Cancelled.");

    private async Task PackingListChosenAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        await RunAsync(async () =>
        {
            if (file.Size > 4 * 1024 * 1024)
            {
                throw new DomainException($"{file.Name} is larger than the 4 MiB packing-list limit.");
            }

            using var reader = new StreamReader(file.OpenReadStream(4 * 1024 * 1024));
            _serials = await reader.ReadToEndAsync();
            _packingList = file.Name;
        });
    }

    private Task ReceiveAsync() => RunAsync(async () =>
    {
        var result = await Receiving.ReceiveAsync(Number, new ReceiveRequest(_serials, null, _packingList), await ActorAsync());
        _errors = result.Errors;
        if (result.Succeeded)
        {
            _serials = null;
            await LoadAsync();
            Success = string.Create(CultureInfo.InvariantCulture, $"Received {result.Received} cards; the order is {result.Status}.");
        }
    });

    private Task InvoiceAsync() => RunAsync(async () =>
    {
        var invoice = await Invoices.RecordAsync(Number, new InvoiceRequest(_invoiceNumber, null, _order!.Currency,
            [new InvoiceLineRequest(_order.Lines[0].Model, _invoiceQuantity, _invoicePrice)]), await ActorAsync());
        await LoadAsync();
        Success = invoice.Flagged ? $"Invoice {invoice.Number} recorded and flagged." : $"Invoice {invoice.Number} matches order and receipts.";
    });

    private Task ReviewAsync(InvoiceItem invoice, bool approve) => RunAsync(async () =>
    {
        var request = new InvoiceReviewRequest(_reviewNotes.GetValueOrDefault(invoice.Number));
        var reviewed = approve
            ? await Invoices.ApproveAsync(Number, invoice.Number, request, await ActorAsync())
            : await Invoices.DisputeAsync(Number, invoice.Number, request, await ActorAsync());
        _reviewNotes.Remove(invoice.Number);
        await LoadAsync();
        Success = $"Invoice {reviewed.Number} {reviewed.Status.ToString().ToLowerInvariant()}.";
    });
}
