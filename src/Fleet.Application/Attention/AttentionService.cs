using System.ComponentModel.DataAnnotations;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;

namespace Fleet.Application.Attention;

/// <summary>How long things may wait before the dashboard lists them (<c>Fleet:Attention</c>).</summary>
public sealed class AttentionOptions
{
    public const string Section = "Fleet:Attention";

    /// <summary>Days a card may sit in Received before it needs attention.</summary>
    [Range(1, 3650)]
    public int ReceivedDays { get; set; } = 7;

    /// <summary>Days a card may sit in BurnIn.</summary>
    [Range(1, 3650)]
    public int BurnInDays { get; set; } = 3;

    /// <summary>Days an RMA case may stay open.</summary>
    [Range(1, 3650)]
    public int RmaOpenDays { get; set; } = 30;

    /// <summary>Warranties ending within this many days are listed.</summary>
    [Range(1, 3650)]
    public int WarrantyDays { get; set; } = 90;
}

/// <summary>One kind of thing waiting: how many, and the filtered list that shows them.</summary>
public sealed record AttentionItem(string Key, string Title, int Count, string Link);

/// <summary>What needs attention: the dashboard's list and <c>GET /api/attention</c>.</summary>
public sealed class AttentionService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, AttentionOptions options)
{
    public const string ReceivedKey = "received-waiting";
    public const string BurnInKey = "burnin-waiting";
    public const string WarrantyKey = "warranty-ending";
    public const string RmaKey = "rma-open";
    public const string InvoiceKey = "invoices-flagged";
    public const string FailedKey = "burnin-failed";

    private static readonly GpuStatus[] s_gone = [GpuStatus.Retired, GpuStatus.Disposed, GpuStatus.Returned];

    public async Task<IReadOnlyList<AttentionItem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var receivedBefore = now.AddDays(-options.ReceivedDays);
        var burnInBefore = now.AddDays(-options.BurnInDays);
        var rmaBefore = now.AddDays(-options.RmaOpenDays);
        var warrantyBy = now.AddDays(options.WarrantyDays);

        var received = await db.Gpus.CountAsync(g => g.Status == GpuStatus.Received && g.ReceivedAt != null && g.ReceivedAt < receivedBefore, ct);

        // A card entered BurnIn at its latest lifecycle move (else, imported in BurnIn, when it was received).
        var burnIn = await db.Gpus.Where(g => g.Status == GpuStatus.BurnIn)
            .Select(g => db.AuditEntries.Where(a => a.EntityType == nameof(Gpu) && a.EntityKey == g.Serial && a.Action == AuditActions.Transition)
                .Max(a => (DateTime?)a.At) ?? g.ReceivedAt)
            .CountAsync(since => since != null && since < burnInBefore, ct);

        var warranty = await db.Gpus.CountAsync(g => g.WarrantyEndsAt != null && g.WarrantyEndsAt >= now && g.WarrantyEndsAt <= warrantyBy
            && !s_gone.Contains(g.Status), ct);
        var rma = await db.RmaCases.CountAsync(c => c.Status != RmaStatus.Closed && c.OpenedAt < rmaBefore, ct);
        var invoices = await db.Invoices.CountAsync(i => i.Status == InvoiceStatus.Mismatch, ct);
        var failed = await db.Gpus.CountAsync(g => g.Status == GpuStatus.Failed, ct);

        string Days(int n) => n.ToString(CultureInfo.InvariantCulture);
        return
        [
            new(ReceivedKey, $"Cards in Received for more than {Days(options.ReceivedDays)} days", received, "gpus?status=Received&sort=receivedAt"),
            new(BurnInKey, $"Cards in BurnIn for more than {Days(options.BurnInDays)} days", burnIn, "gpus?status=BurnIn&sort=receivedAt"),
            new(WarrantyKey, $"Warranties ending within {Days(options.WarrantyDays)} days", warranty, "gpus?sort=warrantyEndsAt"),
            new(RmaKey, $"RMA cases open for more than {Days(options.RmaOpenDays)} days", rma, "rma"),
            new(InvoiceKey, "Invoices flagged by the three-way match", invoices, "orders"),
            new(FailedKey, "Burn-in failures waiting for an RMA case", failed, "gpus?status=Failed"),
        ];
    }
}
