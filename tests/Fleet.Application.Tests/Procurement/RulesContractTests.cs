using Fleet.Application.Common;
using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Fleet.Application.Rma;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Domain.Rma;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Tests.Procurement;

/// <summary>Lifecycle, RMA, credit and three-way-match rules through the use cases, on every provider.</summary>
public abstract class RulesContractTests(string provider)
{
    private static readonly DateTime s_ordered = new(2024, 1, 5, 0, 0, 0, DateTimeKind.Utc);
    private const string H100 = "H100 SXM5 80GB";

    private static InventoryService Inventory(ProcurementWorld world) => new(new TestContextFactory(world.Database), world.Time, new HmacCursorProtector(), new InventoryOptions());

    /// <summary>A world with card F-1 (cost 36,000 USD) failed in burn-in.</summary>
    private async Task<ProcurementWorld> FailedCardAsync()
    {
        var world = await ProcurementWorld.CreateAsync(provider);
        await world.SubmittedOrderAsync("PO-1", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 2, 36_000m));
        await world.Receiving.ReceiveAsync("PO-1", new ReceiveRequest("F-1"), ProcurementWorld.Buyer);
        var inventory = Inventory(world);
        await inventory.TransitionAsync("F-1", new TransitionRequest("BurnIn", null), ProcurementWorld.Tech);
        await inventory.TransitionAsync("F-1", new TransitionRequest("Failed", "GEMM mismatches"), ProcurementWorld.Tech);
        return world;
    }

    private static async Task<decimal?> CostAsync(ProcurementWorld world, string serial)
    {
        await using var db = world.Db();
        return await db.Gpus.Where(g => g.Serial == serial).Select(g => g.UnitCost).SingleAsync();
    }

    // Measured: moving the card to RmaShipped from the GPU page left its case Open, and shipping the case then failed.
    [SkippableFact]
    public async Task Transition_CardWithOpenCase_IsRefusedPointingToTheCaseAndShippingStillWorks()
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM mismatches"), ProcurementWorld.Tech);

        var e = await Assert.ThrowsAsync<DomainException>(() =>
            Inventory(world).TransitionAsync("F-1", new TransitionRequest("RmaShipped", "shipped"), ProcurementWorld.Boss));

        Assert.Contains($"RMA case {opened.Id}", e.Message, StringComparison.Ordinal);
        var shipped = await world.Rma.ShipAsync(opened.Id, new ShipRmaRequest("1Z999"), ProcurementWorld.Tech);
        Assert.Equal((RmaStatus.Shipped, GpuStatus.RmaShipped), (shipped.Status, shipped.GpuStatus));
    }

    [SkippableTheory]
    [InlineData(" ", null, "to", "Say which state to move to ('to').")]
    [InlineData("Melted", null, "to", "Unknown status 'Melted'.")]
    [InlineData("BurnIn", 2001, "message", "The message is longer than 2,000 characters.")]
    public async Task Transition_BadTargetOrMessage_IsRefusedAlikeForOneCardAndForManyAndWritesNothing(
        string to, int? messageLength, string parameter, string expected)
    {
        await using var world = await FailedCardAsync();
        var message = messageLength is { } length ? new string('x', length) : null;
        var bulk = new GpuBulkService(new TestContextFactory(world.Database), world.Database.Provider, world.Time);

        var one = await Assert.ThrowsAsync<ValidationException>(() =>
            Inventory(world).TransitionAsync("F-1", new TransitionRequest(to, message), ProcurementWorld.Boss));
        var many = await Assert.ThrowsAsync<ValidationException>(() =>
            bulk.TransitionAsync(new BulkTransitionRequest(["F-1"], to, message), ProcurementWorld.Boss));

        Assert.Equal((parameter, expected), (one.Parameter, one.Message[..expected.Length]));
        Assert.Equal((parameter, expected), (many.Parameter, many.Message[..expected.Length]));
        await using var db = world.Db();
        Assert.Equal(GpuStatus.Failed, await db.Gpus.Where(g => g.Serial == "F-1").Select(g => g.Status).SingleAsync());
    }

    [SkippableFact]
    public async Task Transition_FailedCardToRmaPendingWithoutCase_IsRefused()
    {
        await using var world = await FailedCardAsync();

        var e = await Assert.ThrowsAsync<DomainException>(() =>
            Inventory(world).TransitionAsync("F-1", new TransitionRequest("RmaPending", null), ProcurementWorld.Tech));

        Assert.Contains("RMA case", e.Message, StringComparison.Ordinal);
        await using var db = world.Db();
        Assert.Equal(GpuStatus.Failed, (await db.Gpus.SingleAsync(g => g.Serial == "F-1")).Status);
        Assert.Equal(0, await db.RmaCases.CountAsync());
    }

    // Measured: a replacement's serial skipped the rules that an import or a delivery applies ("=cmd|' /C calc'!A0" was stored).
    [SkippableTheory]
    [InlineData("=cmd|' /C calc'!A0")]
    [InlineData("has space")]
    [InlineData("-F1R")]
    [InlineData("F1R\u0000")]
    [InlineData("A12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task ReceiveReplacement_SerialBreakingTheSerialRules_IsRefusedAndWritesNothing(string serial)
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM", AdvanceReplacement: true), ProcurementWorld.Tech);
        int cards;
        await using (var before = world.Db())
        {
            cards = await before.Gpus.CountAsync();
        }

        var e = await Assert.ThrowsAsync<ValidationException>(() =>
            world.Rma.ReceiveReplacementAsync(opened.Id, new ReplacementRequest(serial), ProcurementWorld.Tech));

        Assert.Contains("serial", e.Message, StringComparison.OrdinalIgnoreCase);
        await using var db = world.Db();
        Assert.Equal(cards, await db.Gpus.CountAsync());
        Assert.Null((await db.RmaCases.SingleAsync()).ReplacementGpuId);
    }

    [SkippableFact]
    public async Task Credit_ByTechnician_IsForbiddenAndCostStays()
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM", AdvanceReplacement: true), ProcurementWorld.Tech);
        await world.Rma.ReceiveReplacementAsync(opened.Id, new ReplacementRequest("F-1R"), ProcurementWorld.Tech);

        await Assert.ThrowsAsync<ForbiddenException>(() => world.Rma.CreditAsync(opened.Id, new CreditRequest(36_000m, "USD"), ProcurementWorld.Tech));
        var withCredit = await Assert.ThrowsAsync<ForbiddenException>(() =>
            world.Rma.ReceiveReplacementAsync(opened.Id, new ReplacementRequest("F-1S", null, 1_000m), ProcurementWorld.Tech));

        Assert.Contains(Roles.Finance, withCredit.Message, StringComparison.Ordinal);
        Assert.Equal(36_000m, await CostAsync(world, "F-1R"));
        var credited = await world.Rma.CreditAsync(opened.Id, new CreditRequest(6_000m, "USD"), ProcurementWorld.Accountant);
        Assert.Equal(6_000m, credited.CreditAmount);
        Assert.Equal(30_000m, await CostAsync(world, "F-1R"));
    }

    // Measured: a Technician wrote a replacement's cost down to 0 on a closed case.
    [SkippableFact]
    public async Task Credit_OnClosedCase_IsRefusedEvenForAdminAndCostStays()
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM"), ProcurementWorld.Tech);
        await world.Rma.ShipAsync(opened.Id, new ShipRmaRequest("1Z"), ProcurementWorld.Tech);
        var closed = await world.Rma.ReceiveReplacementAsync(opened.Id, new ReplacementRequest("F-1R"), ProcurementWorld.Tech);
        Assert.Equal(RmaStatus.Closed, closed.Status);

        var e = await Assert.ThrowsAsync<DomainException>(() =>
            world.Rma.CreditAsync(opened.Id, new CreditRequest(36_000m, "USD"), ProcurementWorld.Boss));

        Assert.Contains("closed", e.Message, StringComparison.Ordinal);
        Assert.Equal(36_000m, await CostAsync(world, "F-1R"));
        Assert.Null((await world.Rma.GetAsync(opened.Id)).CreditAmount);
    }

    [SkippableFact]
    public async Task GetGpu_AfterReplacement_LinksOldCardToCaseAndReplacementAndBack()
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM"), ProcurementWorld.Tech);
        var inventory = Inventory(world);
        var pending = await inventory.GetAsync("F-1", Roles.Technician);
        Assert.Equal(new GpuRmaLink(opened.Id, RmaStatus.Open), pending.Rma);
        Assert.DoesNotContain(GpuStatus.RmaShipped, pending.AllowedTransitions);

        await world.Rma.ShipAsync(opened.Id, new ShipRmaRequest("1Z"), ProcurementWorld.Tech);
        await world.Rma.ReceiveReplacementAsync(opened.Id, new ReplacementRequest("F-1R"), ProcurementWorld.Tech);

        var old = await inventory.GetAsync("F-1");
        var replacement = await inventory.GetAsync("F-1R");
        Assert.Equal(new GpuRmaLink(opened.Id, RmaStatus.Closed), old.Rma);
        Assert.Equal("F-1R", old.ReplacedBySerial);
        Assert.Equal("F-1", replacement.ReplacesSerial);
        Assert.Null(replacement.Rma);
    }

    [SkippableFact]
    public async Task Withdraw_OpenCase_ReturnsCardToValidatedAndClosesCase()
    {
        await using var world = await FailedCardAsync();
        var opened = await world.Rma.OpenAsync("F-1", new OpenRmaRequest("GEMM"), ProcurementWorld.Tech);

        var withdrawn = await world.Rma.WithdrawAsync(opened.Id, new WithdrawRmaRequest("No fault found on retest"), ProcurementWorld.Tech);

        Assert.Equal((RmaStatus.Closed, GpuStatus.Validated), (withdrawn.Status, withdrawn.GpuStatus));
        await Assert.ThrowsAsync<ForbiddenException>(() => world.Rma.WithdrawAsync(opened.Id, new WithdrawRmaRequest("x"), ProcurementWorld.Viewer));
    }

    [SkippableFact]
    public async Task RecordInvoice_DraftOrder_IsRefusedAndWritesNothing()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);
        await world.Orders.CreateAsync(new CreateOrderRequest("PO-D", "Supermicro", "USD", "IAD1", s_ordered,
            [new OrderLineRequest(H100, 2, 30_000m)]), ProcurementWorld.Buyer);

        var e = await Assert.ThrowsAsync<DomainException>(() => world.Invoices.RecordAsync("PO-D",
            new InvoiceRequest("INV-1", null, "USD", [new InvoiceLineRequest(H100, 2, 30_000m)]), ProcurementWorld.Buyer));

        Assert.Contains("Draft", e.Message, StringComparison.Ordinal);
        await using var db = world.Db();
        Assert.Equal(0, await db.Invoices.CountAsync());
    }

    [SkippableFact]
    public async Task Receive_AfterInvoice_ChecksTheInvoiceAgain()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);
        await world.SubmittedOrderAsync("PO-R", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 2, 30_000m));
        var early = await world.Invoices.RecordAsync("PO-R",
            new InvoiceRequest("INV-1", null, "USD", [new InvoiceLineRequest(H100, 2, 30_000m)]), ProcurementWorld.Buyer);
        Assert.Equal(InvoiceStatus.Mismatch, early.Status);
        Assert.Contains("received 0", Assert.Single(early.Discrepancies), StringComparison.Ordinal);

        await world.Receiving.ReceiveAsync("PO-R", new ReceiveRequest("R-1"), ProcurementWorld.Buyer);
        var half = Assert.Single(await world.Invoices.ListAsync("PO-R"));
        Assert.Equal(InvoiceStatus.Mismatch, half.Status);
        Assert.Contains("received 1", Assert.Single(half.Discrepancies), StringComparison.Ordinal);

        await world.Receiving.ReceiveAsync("PO-R", new ReceiveRequest("R-2"), ProcurementWorld.Buyer);
        var matched = Assert.Single(await world.Invoices.ListAsync("PO-R"));
        Assert.Equal(InvoiceStatus.Matched, matched.Status);
        Assert.False(matched.Flagged);
        Assert.Empty(matched.Discrepancies);
        await using var db = world.Db();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.EntityType == "Invoice" && a.Action == "Update"));
    }

    [SkippableFact]
    public async Task ReviewInvoice_Mismatch_FinanceApprovesOrDisputesWithNote()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);
        await world.SubmittedOrderAsync("PO-V", "USD", "IAD1", s_ordered, new OrderLineRequest(H100, 2, 30_000m));
        await world.Receiving.ReceiveAsync("PO-V", new ReceiveRequest("V-1\nV-2"), ProcurementWorld.Buyer);
        await world.Invoices.RecordAsync("PO-V",
            new InvoiceRequest("INV-P", null, "USD", [new InvoiceLineRequest(H100, 2, 31_000m)]), ProcurementWorld.Buyer);
        await world.Invoices.RecordAsync("PO-V",
            new InvoiceRequest("INV-OK", null, "USD", [new InvoiceLineRequest(H100, 2, 30_000m)]), ProcurementWorld.Buyer);

        await Assert.ThrowsAsync<ForbiddenException>(() =>
            world.Invoices.ApproveAsync("PO-V", "INV-P", new InvoiceReviewRequest("ok"), ProcurementWorld.Buyer));
        var noNote = await Assert.ThrowsAsync<ValidationException>(() =>
            world.Invoices.DisputeAsync("PO-V", "INV-P", new InvoiceReviewRequest(" "), ProcurementWorld.Accountant));
        await Assert.ThrowsAsync<DomainException>(() =>
            world.Invoices.ApproveAsync("PO-V", "INV-OK", new InvoiceReviewRequest("fine"), ProcurementWorld.Accountant));
        var disputed = await world.Invoices.DisputeAsync("PO-V", "INV-P", new InvoiceReviewRequest("Price is 3 % over the order"),
            ProcurementWorld.Accountant);

        Assert.Equal("note", noNote.Parameter);
        Assert.Equal((InvoiceStatus.Disputed, "fin"), (disputed.Status, disputed.ReviewedBy));
        var stored = (await world.Invoices.ListAsync("PO-V")).Single(i => i.Number == "INV-P");
        Assert.Equal(("Price is 3 % over the order", InvoiceStatus.Disputed), (stored.ReviewNote, stored.Status));
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task CreateOrder_PriceNotAboveZero_IsRefusedNamingTheLine(int price)
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);

        var e = await Assert.ThrowsAsync<ValidationException>(() => world.Orders.CreateAsync(new CreateOrderRequest("PO-Z", "Supermicro",
            "USD", "IAD1", s_ordered, [new OrderLineRequest(H100, 1, 30_000m), new OrderLineRequest(H100, 1, price)]), ProcurementWorld.Buyer));

        Assert.Equal("lines[1].unitPrice", e.Parameter);
        await using var db = world.Db();
        Assert.Equal(0, await db.PurchaseOrders.CountAsync());
    }

    // Measured: the demo seeder left 158 cards in RMA states without a case.
    [SkippableFact]
    public async Task DemoSeed_EveryCardInAnRmaState_HasACaseInTheMatchingState()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var seeding = database.CreateContext())
        {
            await new DemoSeeder(database.Provider, TimeProvider.System).SeedAsync(seeding, seed: 42, hostScale: 0.2);
        }

        await using var db = database.CreateContext();
        var cards = await db.Gpus.AsNoTracking()
            .Where(g => g.Status == GpuStatus.RmaPending || g.Status == GpuStatus.RmaShipped || g.Status == GpuStatus.Returned)
            .Select(g => new { g.Id, g.Status, g.HostId }).ToListAsync();
        var cases = await db.RmaCases.AsNoTracking().ToListAsync();

        Assert.Contains(cards, c => c.Status == GpuStatus.RmaPending);
        Assert.Contains(cards, c => c.Status == GpuStatus.RmaShipped);
        Assert.Equal(cards.Count, cases.Count);
        Assert.All(cards, c =>
        {
            var rma = Assert.Single(cases, r => r.GpuId == c.Id);
            Assert.Equal(c.Status == GpuStatus.RmaPending ? RmaStatus.Open : RmaStatus.Shipped, rma.Status);
            if (rma.Status == RmaStatus.Shipped)
            {
                Assert.NotNull(rma.TrackingNumber);
                Assert.NotNull(rma.ShippedAt);
                Assert.Null(c.HostId);
            }
        });
        Assert.DoesNotContain(await db.PurchaseOrderLines.AsNoTracking().Select(l => l.UnitPrice).ToListAsync(), p => p <= 0);
    }
}

public sealed class SqliteRulesTests() : RulesContractTests(TestDatabase.Sqlite);

public sealed class PostgresRulesTests() : RulesContractTests(TestDatabase.Postgres);
