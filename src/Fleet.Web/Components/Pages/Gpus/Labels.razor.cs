using Fleet.Application.Inventory;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using QRCoder;

namespace Fleet.Web.Components.Pages.Gpus;

/// <summary>
/// Printable asset labels: serial, asset tag, model and a QR code that opens the card's page (an absolute URL on the
/// address the app was reached at), for the named serials or every card a filter selects.
/// </summary>
public partial class Labels
{
    private IReadOnlyList<GpuListItem> _items = [];
    private IReadOnlyList<Label> _labels = [];
    private string? _error;
    private bool _loaded;

    [Inject]
    private GpuBulkService Bulk { get; set; } = default!;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    /// <summary>Comma-separated serials; when empty the filters choose the cards.</summary>
    [SupplyParameterFromQuery(Name = "serials")]
    public string? Serials { get; set; }

    /// <summary>One label: the card and its QR code as inline SVG.</summary>
    public sealed record Label(GpuListItem Item, string Url, string QrSvg);

    private string BackUrl => GpuList.BuildUrl("gpus", Status, Datacenter, Model, Search);

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            var serials = string.IsNullOrWhiteSpace(Serials) ? null
                : Serials.Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            _items = serials is null && new[] { Status, Datacenter, Model, Search }.All(string.IsNullOrWhiteSpace)
                ? []
                : await Bulk.LabelsAsync(serials, Filter);
            _labels = [.. _items.Select(i => CardUrl(i.Serial)).Zip(_items, (url, item) => new Label(item, url, QrSvg(url)))];
            _error = null;
        }
        catch (DomainException ex)
        {
            _items = [];
            _labels = [];
            _error = ex.Message;
        }

        _loaded = true;
    }

    /// <summary>The card's page as an absolute URL on the base the request came in on.</summary>
    private string CardUrl(string serial) => Navigation.ToAbsoluteUri($"gpus/{Uri.EscapeDataString(serial)}").AbsoluteUri;

    /// <summary>A QR code for <paramref name="url"/> as SVG (error correction M: a scuffed label still scans).</summary>
    public static string QrSvg(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }

    private async Task PrintAsync() => await Js.InvokeVoidAsync("print");
}
