using Fleet.Application.Procurement;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Fleet.Application.Tests.Procurement;

/// <summary>Quote → order is one unit of work: when its second half fails, neither the order nor the quote's link to it is written.</summary>
public abstract class QuoteConversionContractTests(string provider)
{
    private static readonly DateTime s_quoted = new(2024, 1, 5, 0, 0, 0, DateTimeKind.Utc);

    [SkippableFact]
    public async Task ConvertAsync_SameQuoteConvertedConcurrently_WritesNeitherOrderNorLink()
    {
        await using var world = await QuotedWorldAsync();
        // Someone else converts the same quote after this conversion read it and before it saves.
        var quotes = Intercepted(world, () => world.Quotes.ConvertAsync("Q-RACE", "PO-THEIRS", ProcurementWorld.Buyer));

        await Assert.ThrowsAsync<ConcurrencyException>(() => quotes.ConvertAsync("Q-RACE", "PO-MINE", ProcurementWorld.Buyer));

        await using var db = world.Db();
        Assert.False(await db.PurchaseOrders.AnyAsync(o => o.Number == "PO-MINE"));
        Assert.False(await db.AuditEntries.AnyAsync(a => a.EntityKey == "PO-MINE"));
        var theirs = await db.PurchaseOrders.SingleAsync();
        Assert.Equal("PO-THEIRS", theirs.Number);
        Assert.Equal(theirs.Id, (await db.Quotes.SingleAsync()).PurchaseOrderId);
    }

    [SkippableFact]
    public async Task ConvertAsync_OrderNumberTakenJustBeforeTheSave_LeavesQuoteUnconverted()
    {
        await using var world = await QuotedWorldAsync();
        // Another order takes the number after the conversion checked that it was free.
        var quotes = Intercepted(world, () => world.Orders.CreateAsync(new CreateOrderRequest("PO-MINE", "Supermicro", "USD", null, null,
            [new OrderLineRequest("H100 SXM5 80GB", 1, 30_000m)]), ProcurementWorld.Buyer));

        await Assert.ThrowsAsync<DbUpdateException>(() => quotes.ConvertAsync("Q-RACE", "PO-MINE", ProcurementWorld.Buyer));

        await using var db = world.Db();
        var order = await db.PurchaseOrders.SingleAsync();
        Assert.Equal("Supermicro", (await db.Vendors.SingleAsync(v => v.Id == order.VendorId)).Name);
        Assert.Null((await db.Quotes.SingleAsync()).PurchaseOrderId);
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.EntityKey == "PO-MINE"));
    }

    private async Task<ProcurementWorld> QuotedWorldAsync()
    {
        // Converted three days after the quote was made, while it is still valid.
        var world = await ProcurementWorld.CreateAsync(provider, new DateTimeOffset(s_quoted.AddDays(3)));
        await world.Quotes.CreateAsync(new CreateQuoteRequest("Q-RACE", "Dell Technologies", "EUR", "FRA1", s_quoted, s_quoted.AddMonths(1),
            [new OrderLineRequest("L40S 48GB", 4, 7_750m, 24)]), ProcurementWorld.Buyer);
        return world;
    }

    /// <summary>A quote service whose first save runs <paramref name="meanwhile"/> (on its own context) just before it writes.</summary>
    private static QuoteService Intercepted(ProcurementWorld world, Func<Task> meanwhile) =>
        new(new InterceptedContexts(world.Database, new BeforeFirstSave(meanwhile)), world.Time);

    private sealed class InterceptedContexts(TestDatabase database, IInterceptor interceptor) : IDbContextFactory<FleetDbContext>
    {
        public FleetDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<FleetDbContext>(database.Provider.CreateOptions(database.ConnectionString)).AddInterceptors(interceptor).Options);
    }

    private sealed class BeforeFirstSave(Func<Task> meanwhile) : SaveChangesInterceptor
    {
        private bool _done;

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (!_done)
            {
                _done = true;
                await meanwhile();
            }

            return result;
        }
    }
}

public sealed class SqliteQuoteConversionTests() : QuoteConversionContractTests(TestDatabase.Sqlite);

public sealed class PostgresQuoteConversionTests() : QuoteConversionContractTests(TestDatabase.Postgres);
