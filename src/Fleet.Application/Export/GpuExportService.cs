using Fleet.Application.Import;
using Fleet.Application.Inventory;

namespace Fleet.Application.Export;

/// <summary>Exports the inventory grid's current filtered view as CSV.</summary>
public sealed class GpuExportService(InventoryService inventory)
{
    public async Task ExportAsync(GpuQuery query, Stream output, CancellationToken ct = default)
    {
        // Validate the filters before the first byte goes out, so a bad filter is a 400, not a broken download.
        _ = await inventory.ListAsync(query with { Page = 1, PageSize = 1 }, ct);
        await SafeCsv.WriteAsync<GpuCsvExportRow, GpuCsvExportRowMap>(output, Rows(query, ct), ct);
    }

    private async IAsyncEnumerable<GpuCsvExportRow> Rows(GpuQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var g in inventory.StreamAsync(query, ct))
        {
            yield return new GpuCsvExportRow(g.Serial, g.Model, g.Status.ToString(), g.Datacenter, g.Host, g.Slot, g.Uuid, g.AssetTag,
                g.PoNumber, g.UnitCost, g.Currency, g.ReceivedAt, g.WarrantyEndsAt);
        }
    }
}
