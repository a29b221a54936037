using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Data.Seeding;
using Fleet.Domain.Inventory;
using Fleet.Domain.Procurement;

namespace Fleet.Web.Tests.Procurement;

/// <summary>Procurement, RMA and report routes over real HTTP with role-scoped tokens, on every provider.</summary>
public abstract class ProcurementApiTests(string provider)
{
    private const string H100 = "H100 SXM5 80GB";

    private async Task<FleetWebFactory> StartAsync()
    {
        var app = await new FleetWebFactory(provider).StartAsync();
        await using var db = app.CreateDbContext();
        await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None);
        if (!await db.Datacenters.AnyAsync())
        {
            db.Datacenters.Add(new Datacenter { Code = "IAD1", Name = "Ashburn 1", Pue = 1.35m, ElectricityPricePerKwh = 0.08m, Currency = "USD" });
        }

        db.Vendors.Add(new Vendor { Name = "Supermicro" });
        await db.SaveChangesAsync();
        return app;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    [SkippableFact]
    public async Task Routes_WrongRole_Get403AndRightRoleGetsThrough()
    {
        await using var app = await StartAsync();
        var order = new { number = "PO-R", vendor = "Supermicro", currency = "USD", datacenter = "IAD1", lines = new[] { new { model = H100, quantity = 1, unitPrice = 1 } } };
        var cases = new (string Role, HttpMethod Method, string Url, object? Body, bool Allowed)[]
        {
            (Roles.Viewer, HttpMethod.Post, "/api/vendors", new { name = "V1" }, false),
            (Roles.Finance, HttpMethod.Post, "/api/vendors", new { name = "V2" }, false),
            (Roles.Procurement, HttpMethod.Post, "/api/vendors", new { name = "V3" }, true),
            (Roles.Technician, HttpMethod.Post, "/api/orders", order, false),
            (Roles.Procurement, HttpMethod.Post, "/api/orders", order, true),
            (Roles.Finance, HttpMethod.Post, "/api/orders/PO-R/deliveries", new { serials = "S-1" }, false),
            (Roles.Viewer, HttpMethod.Post, "/api/orders/PO-R/invoices", new { number = "I" }, false),
            (Roles.Viewer, HttpMethod.Post, "/api/rma", new { serial = "S-1", reason = "x" }, false),
            (Roles.Procurement, HttpMethod.Post, "/api/rma", new { serial = "S-1", reason = "x" }, false),
            (Roles.Procurement, HttpMethod.Put, "/api/budgets", new { datacenter = "IAD1", fiscalYear = 2025, amount = 5 }, false),
            (Roles.Finance, HttpMethod.Put, "/api/budgets", new { datacenter = "IAD1", fiscalYear = 2025, amount = 5 }, true),
            (Roles.Technician, HttpMethod.Put, $"/api/depreciation-policies/{H100}", new { lifeMonths = 48, salvagePercent = 5 }, false),
            (Roles.Finance, HttpMethod.Put, $"/api/depreciation-policies/{H100}", new { lifeMonths = 48, salvagePercent = 5 }, true),
            (Roles.Viewer, HttpMethod.Post, "/api/profiles", new { }, false),
            (Roles.Procurement, HttpMethod.Post, "/api/profiles", new { }, false),
            (Roles.Technician, HttpMethod.Post, "/api/rma/1/credit", new { amount = 1 }, false),
            (Roles.Procurement, HttpMethod.Post, "/api/rma/1/credit", new { amount = 1 }, false),
            (Roles.Procurement, HttpMethod.Post, "/api/orders/PO-R/invoices/I/approve", new { note = "ok" }, false),
            (Roles.Technician, HttpMethod.Post, "/api/orders/PO-R/invoices/I/dispute", new { note = "no" }, false),
            (Roles.Viewer, HttpMethod.Get, "/api/reports/capex", null, true),
            (Roles.Technician, HttpMethod.Get, "/api/rma/queue", null, true),
            (Roles.Viewer, HttpMethod.Get, "/api/orders", null, true),
        };

        foreach (var (role, method, url, body, allowed) in cases)
        {
            using var client = await app.ClientForRoleAsync(role);
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
            using var response = await client.SendAsync(request);
            if (allowed)
            {
                Assert.True(response.IsSuccessStatusCode, $"{role} {method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} {method} {url}: expected 403, got {(int)response.StatusCode}");
            }
        }
    }

    [SkippableFact]
    public async Task Delivery_PackingListWithBadSerial_Is422WithLineThenFixedListReceives()
    {
        await using var app = await StartAsync();
        using var buyer = await app.ClientForRoleAsync(Roles.Procurement);
        (await buyer.PostAsync("/api/orders", Json(new
        {
            number = "PO-D", vendor = "Supermicro", currency = "USD", datacenter = "IAD1",
            lines = new[] { new { model = H100, quantity = 2, unitPrice = 30000, warrantyMonths = 36 } },
        }))).EnsureSuccessStatusCode();
        using (var submit = new HttpRequestMessage(HttpMethod.Post, "/api/orders/PO-D/submit"))
        {
            submit.Headers.IfMatch.Add((await buyer.GetAsync("/api/orders/PO-D")).Headers.ETag!);
            (await buyer.SendAsync(submit)).EnsureSuccessStatusCode();
        }

        using var bad = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes($"serial,model\nGOOD-1,{H100}\nBAD 2,{H100}\n")), "file", "packing.csv" } };
        using var refused = await buyer.PostAsync("/api/orders/PO-D/deliveries?receivedAt=2024-05-02", bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("BAD 2", error.GetProperty("value").GetString());
        await using (var db = app.CreateDbContext())
        {
            Assert.Equal(0, await db.Gpus.CountAsync());
        }

        using var good = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes($"serial,model\nGOOD-1,{H100}\nGOOD-2,{H100}\n")), "file", "packing.csv" } };
        using var accepted = await buyer.PostAsync("/api/orders/PO-D/deliveries?receivedAt=2024-05-02", good);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var order = await buyer.GetFromJsonAsync<JsonElement>("/api/orders/PO-D");
        Assert.Equal("Received", order.GetProperty("status").GetString());
        await using var check = app.CreateDbContext();
        var card = await check.Gpus.SingleAsync(g => g.Serial == "GOOD-2");
        Assert.Equal(new DateTime(2027, 5, 2, 0, 0, 0, DateTimeKind.Utc), card.WarrantyEndsAt);
    }

    [SkippableFact]
    public async Task Reports_NamesDatesAndFormats_AnswerAsDocumented()
    {
        await using var app = await StartAsync();
        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);

        using var unknown = await viewer.GetAsync("/api/reports/profit");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var body = await unknown.Content.ReadAsStringAsync();
        foreach (var name in new[] { "asset-register", "depreciation-schedule", "capex", "budget-vs-actual", "cost-per-gpu-hour", "warranties", "rma-credits" })
        {
            Assert.Contains(name, body, StringComparison.Ordinal);
        }

        using var badDate = await viewer.GetAsync("/api/reports/asset-register?asOf=2024-02-30");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Equal("asOf", (await badDate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
        using var badTo = await viewer.GetAsync("/api/reports/capex?to=yesterday");
        Assert.Equal("to", (await badTo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());

        using var csv = await viewer.GetAsync("/api/reports/asset-register?asOf=2024-06-30&datacenter=IAD1");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.StartsWith("serial,model,datacenter,vendor,po_number,status,cost,currency,start_date,start_basis,received_date,accumulated_depreciation,book_value",
            Encoding.UTF8.GetString(bytes[3..]), StringComparison.Ordinal);

        using var xlsx = await viewer.GetAsync("/api/reports/warranties?format=xlsx");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        Assert.Equal("PK"u8.ToArray(), (await xlsx.Content.ReadAsByteArrayAsync())[..2]);
        using var badFormat = await viewer.GetAsync("/api/reports/capex?format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
    }

    private const string ProfileJson = """
        {"schema":"fleet.inference-profile/v1","gpuModel":"H100 SXM5 80GB","model":"llama-3.1-8b","dtype":"bf16",
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
         "decodePoints":[{"batch":16,"context":1024,"seconds":0.04}]}
        """;

    // README: technicians upload the profiles they measure (fleet infer profile --report), Finance uses them; Admin passes.
    [SkippableTheory]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.Technician, true)]
    [InlineData(Roles.Finance, true)]
    [InlineData(Roles.Procurement, false)]
    [InlineData(Roles.Viewer, false)]
    public async Task UploadProfile_EachRole_AsReadmeSays(string role, bool allowed)
    {
        await using var app = await StartAsync();
        using var client = await app.ClientForRoleAsync(role);

        using var response = await client.PostAsync("/api/profiles", new StringContent(ProfileJson, Encoding.UTF8, "application/json"));

        Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        await using var db = app.CreateDbContext();
        Assert.Equal(allowed ? 1 : 0, await db.StoredProfiles.CountAsync());
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>POSTs <paramref name="body"/> to <paramref name="url"/> with If-Match set to the ETag of <paramref name="resource"/>.</summary>
    private static async Task<HttpResponseMessage> PostIfMatchAsync(HttpClient client, string resource, string url, HttpContent? body)
    {
        using var current = await client.GetAsync(resource);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
        request.Headers.IfMatch.Add(current.Headers.ETag ?? throw new InvalidOperationException($"GET {resource} sent no ETag."));
        return await client.SendAsync(request);
    }

    [SkippableFact]
    public async Task RmaOverHttp_CardMovesOnlyThroughItsCaseAndCreditIsFinances()
    {
        await using var app = await StartAsync();
        using var buyer = await app.ClientForRoleAsync(Roles.Procurement);
        using var tech = await app.ClientForRoleAsync(Roles.Technician);
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        await OkJsonAsync(await buyer.PostAsync("/api/orders", Json(new
        {
            number = "PO-M", vendor = "Supermicro", currency = "USD", datacenter = "IAD1", lines = new[] { new { model = H100, quantity = 1, unitPrice = 30000 } },
        })));
        await OkJsonAsync(await PostIfMatchAsync(buyer, "/api/orders/PO-M", "/api/orders/PO-M/submit", null));
        await OkJsonAsync(await buyer.PostAsync("/api/orders/PO-M/deliveries", Json(new { serials = "M-1" })));
        await OkJsonAsync(await PostIfMatchAsync(tech, "/api/gpus/M-1", "/api/gpus/M-1/transitions", Json(new { to = "BurnIn" })));
        await OkJsonAsync(await PostIfMatchAsync(tech, "/api/gpus/M-1", "/api/gpus/M-1/transitions", Json(new { to = "Failed", message = "GEMM mismatches" })));
        using var direct = await PostIfMatchAsync(tech, "/api/gpus/M-1", "/api/gpus/M-1/transitions", Json(new { to = "RmaPending" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, direct.StatusCode);
        var id = (await OkJsonAsync(await tech.PostAsync("/api/rma", Json(new { serial = "M-1", reason = "GEMM mismatches" })))).GetProperty("id").GetInt32();

        using var shippedDirectly = await PostIfMatchAsync(tech, "/api/gpus/M-1", "/api/gpus/M-1/transitions", Json(new { to = "RmaShipped" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shippedDirectly.StatusCode);
        Assert.Contains($"RMA case {id}", (await shippedDirectly.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var gpu = await tech.GetFromJsonAsync<JsonElement>("/api/gpus/M-1");
        Assert.Equal(id, gpu.GetProperty("rma").GetProperty("id").GetInt32());

        await OkJsonAsync(await PostIfMatchAsync(tech, $"/api/rma/{id}", $"/api/rma/{id}/ship", Json(new { trackingNumber = "1Z" })));
        using var techCredit = await PostIfMatchAsync(tech, $"/api/rma/{id}", $"/api/rma/{id}/credit", Json(new { amount = 30000, currency = "USD" }));
        Assert.Equal(HttpStatusCode.Forbidden, techCredit.StatusCode);
        var credited = await OkJsonAsync(await PostIfMatchAsync(finance, $"/api/rma/{id}", $"/api/rma/{id}/credit", Json(new { amount = 30000, currency = "USD", close = true })));
        Assert.Equal("Closed", credited.GetProperty("status").GetString());
        Assert.Equal("Returned", credited.GetProperty("gpuStatus").GetString());
    }

    [SkippableFact]
    public async Task InvoiceOverHttp_DraftRefusedMismatchWarnedThenDisputed()
    {
        await using var app = await StartAsync();
        using var buyer = await app.ClientForRoleAsync(Roles.Procurement);
        using var finance = await app.ClientForRoleAsync(Roles.Finance);
        await OkJsonAsync(await buyer.PostAsync("/api/orders", Json(new
        {
            number = "PO-I", vendor = "Supermicro", currency = "USD", datacenter = "IAD1", lines = new[] { new { model = H100, quantity = 2, unitPrice = 30000 } },
        })));
        var invoice = new { number = "INV-1", currency = "USD", lines = new[] { new { model = H100, quantity = 2, unitPrice = 30000 } } };
        using var onDraft = await buyer.PostAsync("/api/orders/PO-I/invoices", Json(invoice));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, onDraft.StatusCode);
        using var zeroPrice = await buyer.PostAsync("/api/orders", Json(new
        {
            number = "PO-0", vendor = "Supermicro", currency = "USD", lines = new[] { new { model = H100, quantity = 1, unitPrice = 0 } },
        }));
        Assert.Equal(HttpStatusCode.BadRequest, zeroPrice.StatusCode);

        await OkJsonAsync(await PostIfMatchAsync(buyer, "/api/orders/PO-I", "/api/orders/PO-I/submit", null));
        var recorded = await OkJsonAsync(await buyer.PostAsync("/api/orders/PO-I/invoices", Json(invoice)));
        Assert.Equal("Mismatch", recorded.GetProperty("status").GetString());
        var disputed = await OkJsonAsync(await finance.PostAsync("/api/orders/PO-I/invoices/INV-1/dispute", Json(new { note = "Nothing delivered yet" })));
        Assert.Equal("Disputed", disputed.GetProperty("status").GetString());
        Assert.Equal("Nothing delivered yet", disputed.GetProperty("reviewNote").GetString());
    }

    [SkippableFact]
    public async Task Profiles_PostedJson_IsStoredAndBadJsonIs400()
    {
        await using var app = await StartAsync();
        using var tech = await app.ClientForRoleAsync(Roles.Technician);
        var json = """
            {"schema":"fleet.inference-profile/v1","gpuModel":"H100 SXM5 80GB","model":"llama-3.1-8b","dtype":"bf16",
             "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
             "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
             "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
             "decodePoints":[{"batch":16,"context":1024,"seconds":0.04}]}
            """;

        using var stored = await tech.PostAsync("/api/profiles", new StringContent(json, Encoding.UTF8, "application/json"));
        using var broken = await tech.PostAsync("/api/profiles", new StringContent("{\"schema\":", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(400.0, (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokensPerSecond").GetDouble(), 6); // 16 / 0.04
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
    }
}

public sealed class SqliteProcurementApiTests() : ProcurementApiTests(TestDatabase.Sqlite);

public sealed class PostgresProcurementApiTests() : ProcurementApiTests(TestDatabase.Postgres);
