using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Application.Procurement;
using Fleet.Application.Reports;
using Fleet.Application.Rma;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Application.Tests.Procurement;

/// <summary>A migrated database with the catalog, two datacenters (IAD1 in USD, FRA1 in EUR) and two vendors, plus the real services.</summary>
public sealed class ProcurementWorld : IAsyncDisposable
{
    public static readonly Actor Buyer = new("pat", Roles.Procurement);
    public static readonly Actor Tech = new("tess", Roles.Technician);
    public static readonly Actor Accountant = new("fin", Roles.Finance);
    public static readonly Actor Viewer = new("val", Roles.Viewer);
    public static readonly Actor Boss = new("ada", Roles.Admin);

    private ProcurementWorld(TestDatabase database, DateTimeOffset now)
    {
        Time = new FakeTimeProvider(now);
        Database = database;
        var contexts = new TestContextFactory(database);
        Vendors = new VendorService(contexts, Time);
        Orders = new PurchaseOrderService(contexts, Time);
        Quotes = new QuoteService(contexts, Time);
        Receiving = new ReceivingService(contexts, Time, ProcurementOptions);
        Invoices = new InvoiceService(contexts, Time, ProcurementOptions);
        Rma = new RmaService(contexts, Time);
        Finance = new FinanceService(contexts, Time);
        Reports = new ReportService(contexts, Time, FinanceOptions);
    }

    public TestDatabase Database { get; }
    /// <summary>The clock stands at 30 June 2024, noon, unless the test starts it elsewhere.</summary>
    public FakeTimeProvider Time { get; }
    public FinanceOptions FinanceOptions { get; } = new() { AssumedLoad = 0.7 };
    public ProcurementOptions ProcurementOptions { get; } = new();
    public VendorService Vendors { get; }
    public PurchaseOrderService Orders { get; }
    public QuoteService Quotes { get; }
    public ReceivingService Receiving { get; }
    public InvoiceService Invoices { get; }
    public RmaService Rma { get; }
    public FinanceService Finance { get; }
    public ReportService Reports { get; }

    public static async Task<ProcurementWorld> CreateAsync(string provider, DateTimeOffset? now = null)
    {
        var world = new ProcurementWorld(await TestDatabase.CreateAsync(provider), now ?? new DateTimeOffset(2024, 6, 30, 12, 0, 0, TimeSpan.Zero));
        await using var db = world.Database.CreateContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        db.Datacenters.AddRange(
            new Datacenter { Code = "IAD1", Name = "Ashburn 1", Pue = 1.35m, ElectricityPricePerKwh = 0.08m, Currency = "USD" },
            new Datacenter { Code = "FRA1", Name = "Frankfurt 1", Pue = 1.25m, ElectricityPricePerKwh = 0.19m, Currency = "EUR" });
        db.Vendors.AddRange(new Vendor { Name = "Supermicro" }, new Vendor { Name = "Dell Technologies" });
        await db.SaveChangesAsync();
        return world;
    }

    /// <summary>Creates and submits an order.</summary>
    public async Task<OrderItem> SubmittedOrderAsync(string number, string currency, string datacenter, DateTime orderedAt, params OrderLineRequest[] lines)
    {
        await Orders.CreateAsync(new CreateOrderRequest(number, "Supermicro", currency, datacenter, orderedAt, lines), Buyer);
        return await Orders.SubmitAsync(number, Buyer);
    }

    public FleetDbContext Db() => Database.CreateContext();

    public async ValueTask DisposeAsync() => await Database.DisposeAsync();
}
