using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Data.Seeding;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;

namespace Fleet.Web.Tests.Procurement;

/// <summary><c>GET /api/orders</c> searched, filtered and paged on the server, on every provider; without parameters it lists every order as before.</summary>
public abstract class OrderListApiTests(string provider)
{
    private const string H100 = "H100 SXM5 80GB";

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>Seven orders: five from Supermicro (three in IAD1, two in FRA1), two from Dell in IAD1; one submitted.</summary>
    private async Task<(FleetWebFactory App, HttpClient Buyer)> StartAsync()
    {
        var app = await new FleetWebFactory(provider).StartAsync();
        await using (var db = app.CreateDbContext())
        {
            await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
            foreach (var code in new[] { "IAD1", "FRA1" })
            {
                if (!await db.Datacenters.AnyAsync(d => d.Code == code))
                {
                    db.Datacenters.Add(new Datacenter { Code = code, Name = code, Pue = 1.3m, ElectricityPricePerKwh = 0.1m, Currency = "USD" });
                }
            }

            db.Vendors.AddRange(new Vendor { Name = "Supermicro" }, new Vendor { Name = "Dell" });
            await db.SaveChangesAsync();
        }

        var buyer = await app.ClientForRoleAsync(Roles.Procurement);
        var orders = new (string Number, string Vendor, string Dc)[]
        {
            ("PO-A-001", "Supermicro", "IAD1"), ("PO-A-002", "Supermicro", "IAD1"), ("PO-A-003", "Supermicro", "IAD1"),
            ("PO-B-001", "Supermicro", "FRA1"), ("PO-B-002", "Supermicro", "FRA1"), ("PO-C-001", "Dell", "IAD1"), ("PO-C-002", "Dell", "IAD1"),
        };
        foreach (var (number, vendor, dc) in orders)
        {
            using var created = await buyer.PostAsync("/api/orders", Json(new
            {
                number, vendor, currency = "USD", datacenter = dc, lines = new[] { new { model = H100, quantity = 1, unitPrice = 1000 } },
            }));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var current = await buyer.GetAsync("/api/orders/PO-C-002");
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/api/orders/PO-C-002/submit");
        submit.Headers.IfMatch.Add(current.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await buyer.SendAsync(submit)).StatusCode);
        return (app, buyer);
    }

    private static async Task<(List<string> Numbers, int Total)> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/orders" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = await response.Content.ReadFromJsonAsync<JsonElement>();
        var total = int.Parse(Assert.Single(response.Headers.GetValues("X-Total-Count")), System.Globalization.CultureInfo.InvariantCulture);
        return (items.EnumerateArray().Select(o => o.GetProperty("number").GetString()!).ToList(), total);
    }

    [SkippableFact]
    public async Task ListOrders_NoParameters_EveryOrderAsAnArray()
    {
        var (app, buyer) = await StartAsync();
        await using var _ = app;
        using var __ = buyer;

        var (numbers, total) = await ListAsync(buyer, "");

        Assert.Equal(7, total);
        Assert.Equal(7, numbers.Count);
    }

    [SkippableFact]
    public async Task ListOrders_SearchVendorDatacenterStatus_OnlyTheMatchingOrders()
    {
        var (app, buyer) = await StartAsync();
        await using var _ = app;
        using var __ = buyer;

        Assert.Equal(["PO-B-001", "PO-B-002"], (await ListAsync(buyer, "?search=po-b")).Numbers.Order(StringComparer.Ordinal));
        Assert.Equal(["PO-C-001", "PO-C-002"], (await ListAsync(buyer, "?search=del")).Numbers.Order(StringComparer.Ordinal));
        Assert.Equal(["PO-B-001", "PO-B-002"], (await ListAsync(buyer, "?vendor=supermicro&datacenter=fra1")).Numbers.Order(StringComparer.Ordinal));
        Assert.Equal(["PO-C-002"], (await ListAsync(buyer, "?status=Submitted")).Numbers);
        Assert.Equal(["PO-C-001"], (await ListAsync(buyer, "?status=Draft&vendor=Dell")).Numbers);
        Assert.Empty((await ListAsync(buyer, "?search=%25")).Numbers);
    }

    [SkippableFact]
    public async Task ListOrders_Paged_EachMatchOnceAndTheTotal()
    {
        var (app, buyer) = await StartAsync();
        await using var _ = app;
        using var __ = buyer;

        var seen = new List<string>();
        for (var page = 1; page <= 3; page++)
        {
            var (numbers, total) = await ListAsync(buyer, $"?vendor=Supermicro&pageSize=2&page={page}");
            Assert.Equal(5, total);
            Assert.Equal(page < 3 ? 2 : 1, numbers.Count);
            seen.AddRange(numbers);
        }

        Assert.Equal(["PO-A-001", "PO-A-002", "PO-A-003", "PO-B-001", "PO-B-002"], seen.Order(StringComparer.Ordinal));
        Assert.Equal(5, seen.Distinct().Count());
    }

    [SkippableFact]
    public async Task ListOrders_BadPageSizeOrStatus_400ProblemNamingIt()
    {
        var (app, buyer) = await StartAsync();
        await using var _ = app;
        using var __ = buyer;

        using var size = await buyer.GetAsync("/api/orders?pageSize=0");
        Assert.Equal(HttpStatusCode.BadRequest, size.StatusCode);
        Assert.Equal("application/problem+json", size.Content.Headers.ContentType?.MediaType);
        Assert.Contains("pageSize", await size.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var status = await buyer.GetAsync("/api/orders?status=Lost");
        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
    }
}

public sealed class SqliteOrderListApiTests() : OrderListApiTests(TestDatabase.Sqlite);

public sealed class PostgresOrderListApiTests() : OrderListApiTests(TestDatabase.Postgres);
