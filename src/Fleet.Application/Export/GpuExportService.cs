using Fleet.Application.Import;
using Fleet.Application.Inventory;

namespace Fleet.Application.Export;

/// <summary>
/// Exports the inventory grid's current filtered view as CSV with every column the import reads, so an export imported
/// back with upsert changes nothing.
/// </summary>
public sealed class GpuExportService(IDbContextFactory<FleetDbContext> contexts)
{
    public async Task ExportAsync(GpuQuery query, Stream output, CancellationToken ct = default)
    {
        // Validate the filters before the first byte goes out, so a bad filter is a 400, not a broken download.
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            _ = InventoryService.Sort(await InventoryService.FilterAsync(db, query, ct), query.Sort);
        }

        await SafeCsv.WriteAsync<GpuCsvExportRow, GpuCsvExportRowMap>(output, Rows(query, ct), ct);
    }

    private async IAsyncEnumerable<GpuCsvExportRow> Rows(GpuQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpus = InventoryService.Sort(await InventoryService.FilterAsync(db, query, ct), query.Sort);
        var rows = gpus.Select(g => new
        {
            g.Serial, Model = g.Model!.Name, g.Status, Datacenter = g.Datacenter != null ? g.Datacenter.Code : null,
            Host = g.Host != null ? g.Host.Hostname : null, g.Slot, g.Uuid, g.AssetTag, g.BoardPartNumber, g.Vbios, g.PoNumber, g.UnitCost,
            g.Currency, g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.Notes,
        });
        await foreach (var g in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return new GpuCsvExportRow(g.Serial, g.Model, g.Status.ToString(), g.Datacenter, g.Host, g.Slot, g.Uuid, g.AssetTag,
                g.BoardPartNumber, g.Vbios, g.PoNumber, g.UnitCost, g.Currency, g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.Notes);
        }
    }
}
