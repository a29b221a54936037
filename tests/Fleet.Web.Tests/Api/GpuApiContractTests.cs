using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fleet.Domain.Lifecycle;

namespace Fleet.Web.Tests.Api;

/// <summary>The GPU HTTP API over the demo fleet, on each provider.</summary>
public abstract class GpuApiContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : DemoAppFixture
{
    private FleetWebFactory App => fixture.App;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement;
    }

    private async Task<string> SerialWithStatusAsync(GpuStatus status, int skip = 0)
    {
        await using var db = App.CreateDbContext();
        return await db.Gpus.Where(g => g.Status == status).OrderBy(g => g.Id).Skip(skip).Select(g => g.Serial).FirstAsync();
    }

    private async Task<long> VersionOfAsync(string serial)
    {
        await using var db = App.CreateDbContext();
        return await db.Gpus.Where(g => g.Serial == serial).Select(g => g.Version).SingleAsync();
    }

    [SkippableFact]
    public async Task ListGpus_WithoutToken_Is401()
    {
        using var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/gpus")).StatusCode);
    }

    [SkippableFact]
    public async Task ListGpus_BadToken_Is401()
    {
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "fleet_not-a-real-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/gpus")).StatusCode);
    }

    [SkippableFact]
    public async Task ListGpus_Viewer_GetsTotalAndFirstPageSortedBySerial()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await client.GetAsync("/api/gpus"));
        await using var db = App.CreateDbContext();
        Assert.Equal(await db.Gpus.CountAsync(), json.GetProperty("total").GetInt32());
        Assert.True(json.GetProperty("total").GetInt32() >= 10_000);
        var serials = json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serial").GetString()!).ToList();
        Assert.Equal(50, serials.Count);
        Assert.Equal(serials.Order(StringComparer.Ordinal), serials);
        Assert.Equal(JsonValueKind.String, json.GetProperty("items")[0].GetProperty("status").ValueKind);
    }

    [SkippableFact]
    public async Task ListGpus_Filters_MatchTheDatabaseCount()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await client.GetAsync("/api/gpus?status=inservice&datacenter=fra1&model=H100%20SXM5%2080GB&pageSize=500&page=2"));
        await using var db = App.CreateDbContext();
        var expected = await db.Gpus.CountAsync(g => g.Status == GpuStatus.InService && g.Datacenter!.Code == "FRA1" && g.Model!.Name == "H100 SXM5 80GB");
        Assert.Equal(expected, json.GetProperty("total").GetInt32());
        Assert.All(json.GetProperty("items").EnumerateArray(), i =>
        {
            Assert.Equal("InService", i.GetProperty("status").GetString());
            Assert.Equal("FRA1", i.GetProperty("datacenter").GetString());
            Assert.Equal("H100 SXM5 80GB", i.GetProperty("model").GetString());
        });
        Assert.Equal(Math.Clamp(expected - 500, 0, 500), json.GetProperty("items").GetArrayLength());
    }

    [SkippableFact]
    public async Task ListGpus_SortDescendingByReceivedAt_IsOrdered()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await client.GetAsync("/api/gpus?sort=-receivedAt&pageSize=200"));
        var dates = json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("receivedAt").GetDateTime()).ToList();
        Assert.Equal(dates.OrderDescending(), dates);
        await using var db = App.CreateDbContext();
        Assert.Equal(await db.Gpus.MaxAsync(g => g.ReceivedAt), dates[0]);
    }

    [SkippableFact]
    public async Task ListGpus_SortByUnitCost_WorksOnEveryProvider()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await client.GetAsync("/api/gpus?sort=unitCost&pageSize=100"));
        var costs = json.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("unitCost").ValueKind == JsonValueKind.Null ? (decimal?)null : i.GetProperty("unitCost").GetDecimal()).ToList();
        Assert.All(costs, c => Assert.NotNull(c));
        Assert.Equal(costs.Order(), costs);
        var last = await JsonAsync(await client.GetAsync("/api/gpus?sort=-unitCost&pageSize=5"));
        Assert.True(last.GetProperty("items")[0].GetProperty("unitCost").GetDecimal() >= costs.Max()!.Value);
    }

    [SkippableFact]
    public async Task ListGpus_SearchPartOfSerialOrHost_FindsIt()
    {
        string serial, host;
        await using (var db = App.CreateDbContext())
        {
            var gpu = await db.Gpus.Include(g => g.Host).Where(g => g.Host != null).OrderBy(g => g.Id).Skip(777).FirstAsync();
            serial = gpu.Serial;
            host = gpu.Host!.Hostname;
        }

        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var bySerial = await JsonAsync(await client.GetAsync($"/api/gpus?search={serial[^7..].ToLowerInvariant()}"));
        Assert.Contains(bySerial.GetProperty("items").EnumerateArray(), i => i.GetProperty("serial").GetString() == serial);
        var byHost = await JsonAsync(await client.GetAsync($"/api/gpus?search={host.ToUpperInvariant()}"));
        Assert.InRange(byHost.GetProperty("total").GetInt32(), 1, 8);
        Assert.All(byHost.GetProperty("items").EnumerateArray(), i => Assert.Equal(host, i.GetProperty("host").GetString()));
    }

    [SkippableTheory]
    [InlineData("status=Exploded", "status")]
    [InlineData("datacenter=XYZ1", "datacenter")]
    [InlineData("model=RTX%209090", "model")]
    [InlineData("sort=colour", "sort")]
    [InlineData("sort=-colour", "sort")]
    [InlineData("colour=red", "colour")]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("pageSize=100000", "pageSize")]
    public async Task ListGpus_BadParameter_Is400NamingIt(string query, string parameter)
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var response = await client.GetAsync($"/api/gpus?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response);
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Contains(parameter.TrimStart('-'), problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task GetGpu_UnknownSerial_Is404Problem()
    {
        using var client = await App.ClientForRoleAsync(Roles.Viewer);
        var response = await client.GetAsync("/api/gpus/NO-SUCH-SERIAL");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("NO-SUCH-SERIAL", (await JsonAsync(response)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/gpus/NO-SUCH-SERIAL/history")).StatusCode);
    }

    [SkippableFact]
    public async Task GetGpu_PlacedCard_HasSpecsPlacementAndRoleAwareTransitions()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.InService, 5);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var json = await JsonAsync(await tech.GetAsync($"/api/gpus/{serial}"));
        Assert.Equal(serial, json.GetProperty("gpu").GetProperty("serial").GetString());
        Assert.True(json.GetProperty("modelSpec").GetProperty("bf16Tflops").GetDouble() > 0);
        var placement = json.GetProperty("placements")[0];
        Assert.Equal(JsonValueKind.Null, placement.GetProperty("to").ValueKind);
        var allowed = json.GetProperty("allowedTransitions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("Maintenance", allowed);
        Assert.DoesNotContain("Retired", allowed);

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        Assert.Equal(0, (await JsonAsync(await viewer.GetAsync($"/api/gpus/{serial}"))).GetProperty("allowedTransitions").GetArrayLength());
    }

    [SkippableFact]
    public async Task Transition_Technician_MovesCardAndAuditsIt()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.BurnIn, 0);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "Validated", message = "quick burn-in passed", expectedVersion = await VersionOfAsync(serial) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Validated", (await JsonAsync(response)).GetProperty("status").GetString());

        var history = await JsonAsync(await tech.GetAsync($"/api/gpus/{serial}/history"));
        var entry = history[0];
        Assert.Equal("Transition", entry.GetProperty("action").GetString());
        Assert.Equal("token:test-Technician", entry.GetProperty("actor").GetString());
        Assert.Contains("BurnIn → Validated", entry.GetProperty("message").GetString());
        Assert.Contains("\"status\":\"BurnIn\"", entry.GetProperty("beforeJson").GetString());
        Assert.Contains("\"status\":\"Validated\"", entry.GetProperty("afterJson").GetString());

        // The snapshots hold ids; the entry names them.
        await using var db = App.CreateDbContext();
        var card = await db.Gpus.Include(g => g.Model).Include(g => g.Datacenter).SingleAsync(g => g.Serial == serial);
        var references = entry.GetProperty("references");
        Assert.Equal(card.Model!.Name, references.GetProperty($"gpuModelId:{card.GpuModelId}").GetString());
        if (card.DatacenterId is { } datacenter)
        {
            Assert.Equal(card.Datacenter!.Code, references.GetProperty($"datacenterId:{datacenter}").GetString());
        }
    }

    [SkippableTheory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Finance)]
    public async Task Transition_RoleWithoutRight_Is403AndChangesNothing(string role)
    {
        var serial = await SerialWithStatusAsync(GpuStatus.BurnIn, role == Roles.Viewer ? 1 : 2);
        using var client = await App.ClientForRoleAsync(role);
        var response = await client.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "Validated", expectedVersion = await VersionOfAsync(serial) });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using var db = App.CreateDbContext();
        Assert.Equal(GpuStatus.BurnIn, (await db.Gpus.SingleAsync(g => g.Serial == serial)).Status);
    }

    [SkippableFact]
    public async Task Transition_Illegal_Is422NamingAllowedStates()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.Received, 0);
        using var admin = await App.AdminClientAsync();
        var response = await admin.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "InService", expectedVersion = await VersionOfAsync(serial) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var detail = (await JsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("Received", detail);
        Assert.Contains("BurnIn", detail);
    }

    [SkippableFact]
    public async Task Transition_UnknownTarget_Is400()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.Received, 1);
        using var admin = await App.AdminClientAsync();
        var response = await admin.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "Melted", expectedVersion = await VersionOfAsync(serial) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [SkippableFact]
    public async Task Transition_StaleVersion_Is409()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.Received, 2);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var response = await tech.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "BurnIn", expectedVersion = 999 });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("changed by someone else", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task Transition_ConcurrentEditsOfOneCard_ExactlyOneWins()
    {
        var serial = await SerialWithStatusAsync(GpuStatus.Received, 3);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            tech.PostAsJsonAsync($"/api/gpus/{serial}/transitions", new { to = "BurnIn", expectedVersion = 1 })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        await using var db = App.CreateDbContext();
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.EntityKey == serial && a.Action == "Transition"));
    }

    [SkippableFact]
    public async Task Import_DryRunThenCommit_InsertsOnlyOnCommit()
    {
        var prefix = $"API-{App.ProviderName}-";
        var csv = $"serial,model,status,datacenter\n{prefix}1,H100 SXM5 80GB,Validated,IAD1\n{prefix}2,B200 180GB,,FRA1\n";
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        var dry = await clerk.PostAsync("/api/gpus/import?dryRun=true&mode=insert", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        var dryJson = await JsonAsync(dry);
        Assert.True(dryJson.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, dryJson.GetProperty("inserted").GetInt32());
        await using (var db = App.CreateDbContext())
        {
            Assert.False(await db.Gpus.AnyAsync(g => g.Serial.StartsWith(prefix)));
        }

        var commit = await clerk.PostAsync("/api/gpus/import?dryRun=false", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal(2, (await JsonAsync(commit)).GetProperty("inserted").GetInt32());
        await using var check = App.CreateDbContext();
        Assert.Equal(2, await check.Gpus.CountAsync(g => g.Serial.StartsWith(prefix)));
    }

    [SkippableFact]
    public async Task Import_MultipartFile_IsAccepted()
    {
        var serial = $"MP-{App.ProviderName}-1";
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes($"serial,model\n{serial},L40S 48GB\n")), "file", "gpus.csv");
        var response = await clerk.PostAsync("/api/gpus/import?dryRun=true", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await JsonAsync(response)).GetProperty("inserted").GetInt32());
    }

    [SkippableFact]
    public async Task Import_BadRow_Is422WithLineColumnValueMessage()
    {
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        var csv = "serial,model,unit_cost\nOK-1,H100 SXM5 80GB,100\nBAD-1,H100 SXM5 80GB,-3\n";
        var response = await clerk.PostAsync("/api/gpus/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("errors")[0];
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("unit_cost", error.GetProperty("column").GetString());
        Assert.Equal("-3", error.GetProperty("value").GetString());
        Assert.Contains("negative", error.GetProperty("message").GetString());
        await using var db = App.CreateDbContext();
        Assert.False(await db.Gpus.AnyAsync(g => g.Serial == "OK-1"));
    }

    [SkippableTheory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Finance)]
    public async Task Import_RoleWithoutRight_Is403(string role)
    {
        using var client = await App.ClientForRoleAsync(role);
        var response = await client.PostAsync("/api/gpus/import?dryRun=true", new StringContent("serial,model\nX-1,L40S 48GB\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [SkippableTheory]
    [InlineData("dryRun=maybe", "dryRun")]
    [InlineData("mode=replace", "mode")]
    public async Task Import_BadQuery_Is400(string query, string parameter)
    {
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        var response = await clerk.PostAsync($"/api/gpus/import?{query}", new StringContent("serial,model\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(parameter, (await JsonAsync(response)).GetProperty("parameter").GetString());
    }

    [SkippableFact]
    public async Task Export_FilteredView_IsBomCsvWithRawNumbersAndEscapedFormulas()
    {
        var serial = $"XLS-{App.ProviderName}-1";
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        var import = await clerk.PostAsync("/api/gpus/import",
            new StringContent($"serial,model,asset_tag,unit_cost,datacenter\n{serial},L40S 48GB,\"=HYPERLINK(\"\"x\"\")\",12345.5,FRA1\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var response = await viewer.GetAsync($"/api/gpus/export?search={serial}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("serial,model,status,datacenter,host,slot,uuid,asset_tag,board_part_number,vbios,po_number,unit_cost,currency,received_at," +
            "in_service_at,warranty_ends_at,notes", lines[0]);
        Assert.Equal(2, lines.Length);
        using var csv = new CsvHelper.CsvReader(new StringReader(text), System.Globalization.CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        csv.Read();
        Assert.Equal("'=HYPERLINK(\"x\")", csv.GetField("asset_tag"));
        var cost = csv.GetField("unit_cost")!;
        Assert.Matches("^[0-9.]+$", cost);
        Assert.Equal(12345.5m, decimal.Parse(cost, System.Globalization.CultureInfo.InvariantCulture));
    }

    [SkippableFact]
    public async Task Export_WholeFleetImportedBackWithUpsert_ChangesNothing()
    {
        async Task<Dictionary<string, string>> SnapshotAsync()
        {
            await using var db = App.CreateDbContext();
            return (await db.Gpus.AsNoTracking().Select(g => new
                {
                    g.Serial, g.Status, g.GpuModelId, g.DatacenterId, g.HostId, g.Slot, g.Uuid, g.AssetTag, g.BoardPartNumber, g.Vbios, g.PoNumber,
                    g.UnitCost, g.Currency, g.ReceivedAt, g.InServiceAt, g.WarrantyEndsAt, g.Notes, g.Version,
                }).ToListAsync())
                .ToDictionary(g => g.Serial, g => JsonSerializer.Serialize(g));
        }

        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var csv = await viewer.GetByteArrayAsync("/api/gpus/export");
        var before = await SnapshotAsync();
        int audits;
        await using (var db = App.CreateDbContext())
        {
            audits = await db.AuditEntries.CountAsync();
        }

        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new("text/csv");
        var response = await clerk.PostAsync("/api/gpus/import?mode=upsert&dryRun=false", content);

        var json = await JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        Assert.Equal((0, 0, before.Count),
            (json.GetProperty("inserted").GetInt32(), json.GetProperty("updated").GetInt32(), json.GetProperty("unchanged").GetInt32()));
        Assert.Equal(before, await SnapshotAsync());
        await using var check = App.CreateDbContext();
        Assert.Equal(audits, await check.AuditEntries.CountAsync());
    }

    [SkippableFact]
    public async Task Import_HugeHeaderOfCommas_Is422NamingTheHeader()
    {
        using var clerk = await App.ClientForRoleAsync(Roles.Procurement);
        var body = "serial,model" + new string(',', 9_000_000) + "\nHDR-1,L40S 48GB\n";
        var response = await clerk.PostAsync("/api/gpus/import?dryRun=true", new StringContent(body, Encoding.ASCII, "text/csv"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = Assert.Single((await JsonAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("line").GetInt32());
        Assert.Contains("header", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Export_StatusFilter_RowCountMatchesTotal()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var total = (await JsonAsync(await viewer.GetAsync("/api/gpus?status=Failed"))).GetProperty("total").GetInt32();
        var csv = await viewer.GetStringAsync("/api/gpus/export?status=Failed");
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total + 1, rows.Length);
        Assert.All(rows.Skip(1), r => Assert.Contains(",Failed,", r));
    }

    [SkippableFact]
    public async Task Export_BadFilter_Is400NotABrokenDownload()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/gpus/export?status=nope")).StatusCode);
    }

    [SkippableFact]
    public async Task Datacenters_ListBothWithCountsThatSumToTheFleet()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await viewer.GetAsync("/api/datacenters"));
        Assert.Equal(new[] { "FRA1", "IAD1" }, json.EnumerateArray().Select(d => d.GetProperty("code").GetString()!).ToArray());
        await using var db = App.CreateDbContext();
        Assert.Equal(await db.Gpus.CountAsync(g => g.DatacenterId != null), json.EnumerateArray().Sum(d => d.GetProperty("gpus").GetInt32()));
        Assert.All(json.EnumerateArray(), d => Assert.True(d.GetProperty("hosts").GetInt32() > 0));
    }

    [SkippableFact]
    public async Task Models_ListTheCatalog()
    {
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);
        var json = await JsonAsync(await viewer.GetAsync("/api/models"));
        Assert.Equal(7, json.GetArrayLength());
        Assert.Contains(json.EnumerateArray(), m => m.GetProperty("name").GetString() == "H200 SXM 141GB" && m.GetProperty("gpus").GetInt32() > 0);
    }

    [SkippableFact]
    public async Task BootstrapAdminToken_IsAcceptedAsAdmin()
    {
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", FleetWebFactory.AdminToken);
        var response = await client.PostAsync("/api/gpus/import?dryRun=true", new StringContent("serial,model\nBOOT-1,L40S 48GB\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [SkippableFact]
    public async Task Healthz_Anonymous_ReportsTheDatabase()
    {
        using var client = App.CreateClient();
        var json = await JsonAsync(await client.GetAsync("/healthz"));
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal(App.ProviderName, json.GetProperty("database").GetProperty("provider").GetString());
        Assert.Equal(0, json.GetProperty("database").GetProperty("pendingMigrations").GetInt32());
    }

    [SkippableFact]
    public async Task OpenApiDocument_DescribesTheGpuRoutes()
    {
        using var client = App.CreateClient();
        var doc = await JsonAsync(await client.GetAsync("/openapi/v1.json"));
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/gpus", out _));
        Assert.True(paths.TryGetProperty("/api/gpus/{serial}/transitions", out _));
        Assert.True(paths.TryGetProperty("/api/gpus/import", out _));
    }
}

public sealed class SqliteGpuApiTests(SqliteDemoAppFixture fixture) : GpuApiContractTests<SqliteDemoAppFixture>(fixture);

public sealed class PostgresGpuApiTests(PostgresDemoAppFixture fixture) : GpuApiContractTests<PostgresDemoAppFixture>(fixture);
