using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Data;
using Fleet.Data.Seeding;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Procurement;
using Fleet.Web.Api;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Fleet.Web.Tests.Api;

/// <summary>One app per provider over a small fleet (catalog, IAD1, the vendor Supermicro), shared by a test class.</summary>
public abstract class SmallAppFixture(string provider) : SharedAppFixture(provider)
{
    protected override async Task ArrangeAsync(FleetWebFactory app)
    {
        await using var db = app.CreateDbContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        if (!await db.Datacenters.AnyAsync())
        {
            db.Datacenters.Add(new Datacenter { Code = "IAD1", Name = "Ashburn 1", Pue = 1.35m, ElectricityPricePerKwh = 0.08m, Currency = "USD" });
        }

        db.Vendors.Add(new Vendor { Name = "Supermicro" });
        await db.SaveChangesAsync();
    }
}

public sealed class SqliteSmallAppFixture() : SmallAppFixture(TestDatabase.Sqlite);

public sealed class PostgresSmallAppFixture() : SmallAppFixture(TestDatabase.Postgres);

/// <summary>
/// What the API does with bad, stale, racing or huge input, on each provider: problem details with the right status
/// naming the field, never a 500, nothing written.
/// </summary>
public abstract class HttpHardeningTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : SmallAppFixture
{
    private const string H100 = "H100 SXM5 80GB";

    private FleetWebFactory App => fixture.App;

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static StringContent RawJson(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    private static HttpRequestMessage Request(HttpMethod method, string url, object? body = null, EntityTagHeaderValue? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch);
        }

        return request;
    }

    private async Task<(int Id, EntityTagHeaderValue ETag)> CreateVendorAsync(HttpClient client, string name)
    {
        using var created = await client.PostAsync("/api/vendors", Json(new { name }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        Assert.Equal($"/api/vendors/{id}", created.Headers.Location?.OriginalString);
        return (id, created.Headers.ETag!);
    }

    private async Task<string> CreateOrderAsync(HttpClient client, string number)
    {
        using var created = await client.PostAsync("/api/orders", Json(new
        {
            number, vendor = "Supermicro", currency = "USD", datacenter = "IAD1",
            lines = new[] { new { model = H100, quantity = 2, unitPrice = 30000 } },
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return number;
    }

    /// <summary>A card in Received, the way a real one arrives: an order, submitted, and a delivery.</summary>
    private async Task<string> ReceiveCardAsync(HttpClient client)
    {
        var number = await CreateOrderAsync(client, Unique("PO-C"));
        using var submit = Request(HttpMethod.Post, $"/api/orders/{number}/submit", ifMatch: (await client.GetAsync($"/api/orders/{number}")).Headers.ETag);
        (await client.SendAsync(submit)).EnsureSuccessStatusCode();
        var serial = Unique("CARD");
        (await client.PostAsync($"/api/orders/{number}/deliveries", Json(new { serials = serial }))).EnsureSuccessStatusCode();
        return serial;
    }

    // ------------------------------------------------------------------ optimistic concurrency

    [SkippableFact]
    public async Task PutVendor_IfMatchFromGet_AppliesAndTheSameTagAgainIs412()
    {
        using var admin = await App.AdminClientAsync();
        var (id, createdTag) = await CreateVendorAsync(admin, Unique("Etag"));
        using var get = await admin.GetAsync($"/api/vendors/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(createdTag, get.Headers.ETag);
        Assert.False(get.Headers.ETag!.IsWeak);

        var name = (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString();
        using var first = await admin.SendAsync(Request(HttpMethod.Put, $"/api/vendors/{id}", new { name, notes = "first" }, get.Headers.ETag));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(get.Headers.ETag, first.Headers.ETag);

        using var stale = await admin.SendAsync(Request(HttpMethod.Put, $"/api/vendors/{id}", new { name, notes = "second" }, get.Headers.ETag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("changed since you read it", (await ProblemAsync(stale)).GetProperty("title").GetString());
        await using var db = App.CreateDbContext();
        Assert.Equal("first", (await db.Vendors.SingleAsync(v => v.Id == id)).Notes);
    }

    [SkippableFact]
    public async Task PutVendor_WithoutVersion_Is428AndStaleExpectedVersionIs409AndNothingIsWritten()
    {
        using var admin = await App.AdminClientAsync();
        var name = Unique("NoVersion");
        var (id, _) = await CreateVendorAsync(admin, name);

        using var blind = await admin.PutAsync($"/api/vendors/{id}", Json(new { name, notes = "blind" }));
        Assert.Equal((HttpStatusCode)428, blind.StatusCode);
        var problem = await ProblemAsync(blind);
        Assert.Contains("If-Match", problem.GetProperty("detail").GetString());
        Assert.Contains("expectedVersion", problem.GetProperty("detail").GetString());

        using var stale = await admin.PutAsync($"/api/vendors/{id}", Json(new { name, notes = "stale", expectedVersion = 7 }));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        await using (var db = App.CreateDbContext())
        {
            Assert.Null((await db.Vendors.SingleAsync(v => v.Id == id)).Notes);
        }

        using var current = await admin.PutAsync($"/api/vendors/{id}", Json(new { name, notes = "kept", expectedVersion = 1 }));
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        await using var check = App.CreateDbContext();
        Assert.Equal("kept", (await check.Vendors.SingleAsync(v => v.Id == id)).Notes);
    }

    [SkippableFact]
    public async Task PutVendor_Missing_Is404NotPreconditionRequired()
    {
        using var admin = await App.AdminClientAsync();
        using var response = await admin.PutAsync("/api/vendors/987654", Json(new { name = "Nobody" }));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [SkippableFact]
    public async Task Transition_WithoutVersion_Is428AndIfMatchFromGetMovesTheCardOnce()
    {
        using var admin = await App.AdminClientAsync();
        var serial = await ReceiveCardAsync(admin);

        using var blind = await admin.PostAsync($"/api/gpus/{serial}/transitions", Json(new { to = "BurnIn" }));
        Assert.Equal((HttpStatusCode)428, blind.StatusCode);
        await using (var db = App.CreateDbContext())
        {
            Assert.Equal(GpuStatus.Received, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
        }

        var tag = (await admin.GetAsync($"/api/gpus/{serial}")).Headers.ETag;
        Assert.NotNull(tag);
        using var moved = await admin.SendAsync(Request(HttpMethod.Post, $"/api/gpus/{serial}/transitions", new { to = "BurnIn" }, tag));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        using var again = await admin.SendAsync(Request(HttpMethod.Post, $"/api/gpus/{serial}/transitions", new { to = "Failed", message = "x" }, tag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, again.StatusCode);
        await using var check = App.CreateDbContext();
        Assert.Equal(GpuStatus.BurnIn, (await check.Gpus.SingleAsync(g => g.Serial == serial)).Status);
    }

    [SkippableFact]
    public async Task SubmitOrder_WithoutVersion_Is428_StaleBodyVersionIs409_TagFromCreateSubmits()
    {
        using var admin = await App.AdminClientAsync();
        var number = Unique("PO-S");
        using var created = await admin.PostAsync("/api/orders", Json(new
        {
            number, vendor = "Supermicro", currency = "USD", lines = new[] { new { model = H100, quantity = 1, unitPrice = 1 } },
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        Assert.Equal((HttpStatusCode)428, (await admin.PostAsync($"/api/orders/{number}/submit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/orders/{number}/submit", Json(new { expectedVersion = 42 }))).StatusCode);
        await using (var db = App.CreateDbContext())
        {
            Assert.Equal(PurchaseOrderStatus.Draft, (await db.PurchaseOrders.SingleAsync(o => o.Number == number)).Status);
        }

        using var submitted = await admin.SendAsync(Request(HttpMethod.Post, $"/api/orders/{number}/submit", ifMatch: created.Headers.ETag));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal("Submitted", (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [SkippableFact]
    public async Task SetDepreciationPolicy_FirstPutCreatesSecondWithoutVersionIs428()
    {
        using var admin = await App.AdminClientAsync();
        const string model = "L40S 48GB";
        using var first = await admin.PutAsync($"/api/depreciation-policies/{model}", Json(new { lifeMonths = 48, salvagePercent = 5 }));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var blind = await admin.PutAsync($"/api/depreciation-policies/{model}", Json(new { lifeMonths = 12, salvagePercent = 5 }));
        Assert.Equal((HttpStatusCode)428, blind.StatusCode);
        var version = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        using var edit = await admin.PutAsync($"/api/depreciation-policies/{model}", Json(new { lifeMonths = 36, salvagePercent = 5, expectedVersion = version }));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.Equal(36, (await edit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lifeMonths").GetInt32());
    }

    [SkippableFact]
    public async Task ShipRmaCase_WithoutVersion_Is428AndIfMatchFromGetShips()
    {
        using var admin = await App.AdminClientAsync();
        var serial = await ReceiveCardAsync(admin);
        foreach (var (to, message) in new[] { ("BurnIn", (string?)null), ("Failed", "memory errors") })
        {
            var tag = (await admin.GetAsync($"/api/gpus/{serial}")).Headers.ETag;
            (await admin.SendAsync(Request(HttpMethod.Post, $"/api/gpus/{serial}/transitions", new { to, message }, tag))).EnsureSuccessStatusCode();
        }

        using var opened = await admin.PostAsync("/api/rma", Json(new { serial, reason = "memory errors" }));
        opened.EnsureSuccessStatusCode();
        var id = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        Assert.Equal((HttpStatusCode)428, (await admin.PostAsync($"/api/rma/{id}/ship", Json(new { trackingNumber = "1Z-1" }))).StatusCode);
        using var get = await admin.GetAsync($"/api/rma/{id}");
        Assert.NotNull(get.Headers.ETag);
        using var shipped = await admin.SendAsync(Request(HttpMethod.Post, $"/api/rma/{id}/ship", new { trackingNumber = "1Z-1" }, get.Headers.ETag));
        Assert.Equal(HttpStatusCode.OK, shipped.StatusCode);
        Assert.Equal("Shipped", (await shipped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.PreconditionFailed,
            (await admin.SendAsync(Request(HttpMethod.Post, $"/api/rma/{id}/credit", new { amount = 1, currency = "USD" }, get.Headers.ETag))).StatusCode);
    }

    [SkippableFact]
    public async Task ConvertQuote_WithoutVersion_Is428AndIfMatchFromGetConverts()
    {
        using var admin = await App.AdminClientAsync();
        var reference = Unique("Q");
        using var created = await admin.PostAsync("/api/quotes", Json(new
        {
            reference, vendor = "Supermicro", currency = "USD", lines = new[] { new { model = H100, quantity = 1, unitPrice = 1 } },
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var orderNumber = Unique("PO-Q");
        Assert.Equal((HttpStatusCode)428, (await admin.PostAsync($"/api/quotes/{reference}/convert", Json(new { orderNumber }))).StatusCode);
        using var get = await admin.GetAsync($"/api/quotes/{reference}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var converted = await admin.SendAsync(Request(HttpMethod.Post, $"/api/quotes/{reference}/convert", new { orderNumber }, get.Headers.ETag));
        Assert.Equal(HttpStatusCode.OK, converted.StatusCode);
    }

    [SkippableFact]
    public async Task SetBudget_SecondPutWithoutVersionIs428AndKeepsTheAmount()
    {
        using var admin = await App.AdminClientAsync();
        const int year = 2031;
        using var first = await admin.PutAsync("/api/budgets", Json(new { datacenter = "iad1", fiscalYear = year, amount = 100 }));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var blind = await admin.PutAsync("/api/budgets", Json(new { datacenter = "IAD1", fiscalYear = year, currency = "usd", amount = 5 }));
        Assert.Equal((HttpStatusCode)428, blind.StatusCode);
        var version = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        using var edit = await admin.PutAsync("/api/budgets", Json(new { datacenter = "IAD1", fiscalYear = year, amount = 7, expectedVersion = version }));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.Equal(7m, (await edit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("amount").GetDecimal());
    }

    // ------------------------------------------------------------------ NUL characters

    public static TheoryData<string, string, string?, string> NulCases => new()
    {
        { "POST", "/api/vendors", """{"name":"A\u0000B"}""", "name" },
        { "POST", "/api/vendors", """{"name":"Nul notes","notes":"x\u0000"}""", "notes" },
        { "POST", "/api/orders", """{"number":"PO-NUL","vendor":"Supermicro","currency":"USD","lines":[{"model":"H100\u0000","quantity":1,"unitPrice":1}]}""", "lines[0].model" },
        { "POST", "/api/quotes", """{"reference":"Q\u0000","vendor":"Supermicro","currency":"USD","lines":[]}""", "reference" },
        { "POST", "/api/orders/PO-NONE/deliveries", """{"serials":"S-1\u0000"}""", "serials" },
        { "POST", "/api/orders/PO-NONE/invoices", """{"number":"INV\u0000","currency":"USD","lines":[]}""", "number" },
        { "POST", "/api/rma", """{"serial":"S-1","reason":"dead\u0000"}""", "reason" },
        { "PUT", "/api/budgets", """{"datacenter":"IAD1\u0000","fiscalYear":2026,"amount":1}""", "datacenter" },
        { "POST", "/api/gpus/NUL-1/transitions", """{"to":"BurnIn\u0000","expectedVersion":1}""", "to" },
        { "GET", "/api/gpus?search=a%00b", null, "search" },
        { "GET", "/api/gpus?status=%00", null, "status" },
        { "GET", "/api/gpus/export?datacenter=%00", null, "datacenter" },
        { "GET", "/api/reports/capex?datacenter=IAD1%00", null, "datacenter" },
        { "POST", "/api/gpus/import?mode=%00", null, "mode" },
    };

    [SkippableTheory]
    [MemberData(nameof(NulCases))]
    public async Task NulCharacter_AnyFieldOrFilter_Is400NamingIt(string method, string url, string? body, string parameter)
    {
        using var admin = await App.AdminClientAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = body is null ? null : RawJson(body) };
        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains("NUL", problem.GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task NulCharacter_ThroughTheServiceAsThePagesCallIt_IsRefusedByTheModel()
    {
        using var scope = App.Services.CreateScope();
        var vendors = scope.ServiceProvider.GetRequiredService<VendorService>();
        var actor = new Actor("page-user", Roles.Procurement);
        var name = Unique("PageNul");
        var refused = await Assert.ThrowsAsync<FieldValueException>(() => vendors.SaveAsync(null, new VendorRequest(name, null, "a\0b"), actor));
        Assert.Equal("notes", refused.Field);
        await using var db = App.CreateDbContext();
        Assert.False(await db.Vendors.AnyAsync(v => v.Name == name));
    }

    [SkippableFact]
    public async Task CsvImport_NulInACell_IsALocatedErrorAndWritesNothing()
    {
        using var admin = await App.AdminClientAsync();
        var serial = Unique("CSVNUL");
        using var response = await admin.PostAsync("/api/gpus/import", new StringContent($"serial,model,notes\n{serial},L40S 48GB,a\0b\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = Assert.Single((await ProblemAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Contains("NUL", error.GetProperty("message").GetString());

        await using var db = App.CreateDbContext();
        Assert.False(await db.Gpus.AnyAsync(g => g.Serial == serial));
    }

    // ------------------------------------------------------------------ concurrent creates

    [SkippableFact]
    public async Task CreateVendor_TwentyAtOnce_OneIs201AndTheOthers409()
    {
        using var admin = await App.AdminClientAsync();
        var name = Unique("Race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PostAsync("/api/vendors", Json(new { name }))));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == 201));
        Assert.All(statuses.Where(s => s != 201), s => Assert.Equal(409, s));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Contains("already", (await ProblemAsync(conflict)).GetProperty("detail").GetString());
        }

        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.Vendors.CountAsync(v => v.Name == name));
    }

    [SkippableFact]
    public async Task CreateOrder_TwentyAtOnce_OneIs201AndTheOthers409()
    {
        using var admin = await App.AdminClientAsync();
        var number = Unique("PO-RACE");
        var body = new { number, vendor = "Supermicro", currency = "USD", lines = new[] { new { model = H100, quantity = 1, unitPrice = 1 } } };
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => admin.PostAsync("/api/orders", Json(body))));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == 201));
        Assert.All(statuses.Where(s => s != 201), s => Assert.Equal(409, s));
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.PurchaseOrders.CountAsync(o => o.Number == number));
    }

    // ------------------------------------------------------------------ malformed JSON

    public static TheoryData<string, string, string> MalformedJsonCases => new()
    {
        { "POST", "/api/vendors", """{"name":""" },
        { "POST", "/api/vendors", """{"name":5}""" },
        { "PUT", "/api/vendors/1", """{"name":"x","expectedVersion":"one"}""" },
        { "POST", "/api/orders", """{"number":"PO-J","lines":"many"}""" },
        { "POST", "/api/orders", """{"number":"PO-J","lines":[{"model":"H100 SXM5 80GB","quantity":"two","unitPrice":1}]}""" },
        { "POST", "/api/orders/PO-NONE/deliveries", """{"serials":5}""" },
        { "POST", "/api/orders/PO-NONE/deliveries", """{"serials":""" },
        { "POST", "/api/orders/PO-NONE/submit", """{"expectedVersion":true}""" },
        { "POST", "/api/quotes", """[1,2""" },
        { "POST", "/api/gpus/ANY/transitions", """{"to":1}""" },
        { "PUT", "/api/budgets", """{"datacenter":"IAD1","fiscalYear":"soon","amount":1}""" },
        { "PUT", "/api/depreciation-policies/L40S 48GB", """{"lifeMonths":1e400}""" },
        { "POST", "/api/rma", """{"serial":["a"]}""" },
        { "POST", "/api/rma/1/ship", """{"shippedAt":"yesterday"}""" },
    };

    [SkippableTheory]
    [MemberData(nameof(MalformedJsonCases))]
    public async Task MalformedOrWronglyTypedJson_AnyRoute_Is400NamingTheProblem(string method, string url, string body)
    {
        using var admin = await App.AdminClientAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = RawJson(body) };
        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("JSON", detail);
    }

    // ------------------------------------------------------------------ ranges, paging

    [SkippableFact]
    public async Task Reports_DatesOutOfRange_Are400NamingTheParameter()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var names = new[] { "asset-register", "depreciation-schedule", "capex", "budget-vs-actual", "cost-per-gpu-hour", "warranties", "rma-credits" };
        foreach (var name in names)
        {
            foreach (var (parameter, value) in new[] { ("asOf", "0001-01-01"), ("asOf", "9999-12-31"), ("from", "0001-01-01"), ("to", "9999-12-31") })
            {
                using var response = await viewer.GetAsync($"/api/reports/{name}?{parameter}={value}&format=json");
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}?{parameter}={value}: {(int)response.StatusCode}");
                Assert.Equal(parameter, (await ProblemAsync(response)).GetProperty("parameter").GetString());
            }

            using var ok = await viewer.GetAsync($"/api/reports/{name}?asOf=2026-06-30&format=json");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [SkippableFact]
    public async Task BodyDates_OutOfRange_Are400NamingTheField()
    {
        using var admin = await App.AdminClientAsync();
        using var response = await admin.PostAsync("/api/orders", RawJson(
            """{"number":"PO-OLD","vendor":"Supermicro","currency":"USD","orderedAt":"0001-01-01T00:00:00Z","lines":[{"model":"H100 SXM5 80GB","quantity":1,"unitPrice":1,"expectedDelivery":"9999-12-31T00:00:00Z"}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("orderedAt", (await ProblemAsync(response)).GetProperty("parameter").GetString());
    }

    [SkippableTheory]
    [InlineData(2147483647, 500)]
    [InlineData(4294969, 500)]
    [InlineData(21474838, 100)]
    public async Task ListGpus_PageTimesPageSizeOverflows_Is400(int page, int pageSize)
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        using var response = await viewer.GetAsync($"/api/gpus?page={page}&pageSize={pageSize}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("page", (await ProblemAsync(response)).GetProperty("parameter").GetString());
    }

    [SkippableFact]
    public async Task ListGpus_LastReachablePage_IsAnEmptyPage()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        using var response = await viewer.GetAsync("/api/gpus?page=4294967&pageSize=500");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
    }

    // ------------------------------------------------------------------ limits

    [SkippableFact]
    public async Task CreateVendor_TenMiBOfNotes_Is413NamingTheLimit()
    {
        using var admin = await App.AdminClientAsync();
        var name = Unique("Huge");
        using var response = await admin.PostAsync("/api/vendors", Json(new { name, notes = new string('n', 10 * 1024 * 1024) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length < 2_000, $"{text.Length} characters");
        var problem = await ProblemAsync(response);
        Assert.Contains("too large", problem.GetProperty("title").GetString());
        Assert.Contains("4 MiB", problem.GetProperty("detail").GetString());
        await using var db = App.CreateDbContext();
        Assert.False(await db.Vendors.AnyAsync(v => v.Name == name));
    }

    [SkippableTheory]
    [InlineData(2_001)]
    [InlineData(100_000)]
    public async Task CreateVendor_NotesOverTheLimit_Is400NamingNotesWithoutEchoingThem(int length)
    {
        using var admin = await App.AdminClientAsync();
        var name = Unique("Long");
        using var response = await admin.PostAsync("/api/vendors", Json(new { name, notes = new string('n', length) }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(text.Length < 2_000, $"{text.Length} characters");
        Assert.Equal("notes", (await ProblemAsync(response)).GetProperty("parameter").GetString());
        await using var db = App.CreateDbContext();
        Assert.False(await db.Vendors.AnyAsync(v => v.Name == name));
    }

    [SkippableFact]
    public async Task CreateVendor_NotesAtTheLimit_AreStored()
    {
        using var admin = await App.AdminClientAsync();
        var name = Unique("Full");
        using var response = await admin.PostAsync("/api/vendors", Json(new { name, notes = new string('n', 2_000) }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [SkippableFact]
    public async Task KestrelBodyLimit_Is413ProblemNamingTheLimit()
    {
        var http = new DefaultHttpContext { RequestServices = App.Services };
        http.Request.Path = "/api/gpus/import";
        http.Response.Body = new MemoryStream();
        http.Features.Set<IHttpMaxRequestBodySizeFeature>(new BodySizeFeature(30_000_000));
        var handler = ActivatorUtilities.CreateInstance<DomainExceptionHandler>(App.Services);

        // Kestrel's own exception when a body outgrows its limit while being read.
        var handled = await handler.TryHandleAsync(http, new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge), default);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var problem = JsonDocument.Parse(http.Response.Body).RootElement;
        Assert.Equal("The request is too large.", problem.GetProperty("title").GetString());
        Assert.Contains("30,000,000 bytes", problem.GetProperty("detail").GetString());
    }

    private sealed class BodySizeFeature(long max) : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; } = max;
    }

    [SkippableFact]
    public async Task ErrorDetail_HugeValueInTheMessage_IsCutShort()
    {
        using var admin = await App.AdminClientAsync();
        using var response = await admin.PostAsync("/api/vendors", Json(new { name = Unique("Mail"), contactEmail = new string('x', 60_000) }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.InRange(detail.Length, 1, 1_100);
        Assert.Contains("more characters", detail);
    }

    // ------------------------------------------------------------------ database down

    [SkippableFact]
    public async Task DatabaseDown_EveryKindOfRoute_Is503WithRetryAfter()
    {
        var dead = fixture.Provider == TestDatabase.Sqlite
            ? TestDatabase.SqliteFile(Path.Combine(Path.GetTempPath(), $"no-such-folder-{Guid.NewGuid():N}", "fleet.db"))
            : new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = 1, Username = "postgres", Timeout = 2, Pooling = false }.ConnectionString;
        await using var down = App.WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Fleet", dead);
            // Elsewhere than beside the dead file: keys next to it would create its folder and SQLite would then open it.
            b.UseSetting("Fleet:DataProtection:KeysPath", Path.Combine(Path.GetTempPath(), $"fleet-keys-{Guid.NewGuid():N}"));
            b.ConfigureTestServices(s =>
            {
                foreach (var startup in s.Where(d => d.ImplementationType == typeof(DatabaseStartup)).ToList())
                {
                    s.Remove(startup);
                }
            });
        });
        using var client = down.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FleetWebFactory.AdminToken);
        var requests = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, "/api/gpus", null),
            (HttpMethod.Get, "/api/gpus/ANY-1", null),
            (HttpMethod.Get, "/api/vendors", null),
            (HttpMethod.Post, "/api/vendors", new { name = "Down" }),
            (HttpMethod.Put, "/api/vendors/1", new { name = "Down", expectedVersion = 1 }),
            (HttpMethod.Post, "/api/orders/PO-1/submit", null),
            (HttpMethod.Get, "/api/reports/capex?format=json", null),
            (HttpMethod.Get, "/api/rma", null),
            (HttpMethod.Put, "/api/budgets", new { datacenter = "IAD1", fiscalYear = 2026, amount = 1 }),
        };
        foreach (var (method, url, body) in requests)
        {
            using var response = await client.SendAsync(Request(method, url, body));
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("database", (await ProblemAsync(response)).GetProperty("title").GetString());
        }
    }
}

public sealed class SqliteHttpHardeningTests(SqliteSmallAppFixture fixture) : HttpHardeningTests<SqliteSmallAppFixture>(fixture);

public sealed class PostgresHttpHardeningTests(PostgresSmallAppFixture fixture) : HttpHardeningTests<PostgresSmallAppFixture>(fixture);
