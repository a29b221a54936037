using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fleet.Domain.Audit;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Web.Tests.Api;

/// <summary><c>POST /api/gpus/transitions</c> and <c>/api/gpus/edits</c> over the demo fleet, on each provider. Each test takes its own cards.</summary>
public abstract class GpuBulkApiContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture> where TFixture : DemoAppFixture
{
    private FleetWebFactory App => fixture.App;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<List<string>> SerialsAsync(GpuStatus status, int skip, int take)
    {
        await using var db = App.CreateDbContext();
        return await db.Gpus.Where(g => g.Status == status && !db.RmaCases.Any(c => c.GpuId == g.Id && c.Status != RmaStatus.Closed))
            .OrderBy(g => g.Id).Skip(skip).Take(take).Select(g => g.Serial).ToListAsync();
    }

    private async Task<Dictionary<string, GpuStatus>> StatusesAsync(IEnumerable<string> serials)
    {
        var list = serials.ToList();
        await using var db = App.CreateDbContext();
        return await db.Gpus.Where(g => list.Contains(g.Serial)).ToDictionaryAsync(g => g.Serial, g => g.Status);
    }

    private async Task<int> AuditCountAsync(IEnumerable<string> serials, string action)
    {
        var list = serials.ToList();
        await using var db = App.CreateDbContext();
        return await db.AuditEntries.CountAsync(a => a.EntityType == "Gpu" && list.Contains(a.EntityKey) && a.Action == action);
    }

    [SkippableFact]
    public async Task Transitions_AllCardsCanMove_MovesEachAndAuditsOneEntryPerCard()
    {
        var serials = await SerialsAsync(GpuStatus.BurnIn, 0, 3);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions", new { serials, to = "Validated", message = "burn-in passed" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.True(json.GetProperty("applied").GetBoolean());
        var moved = json.GetProperty("changed").EnumerateArray().ToList();
        Assert.Equal(serials.Order(StringComparer.Ordinal), moved.Select(m => m.GetProperty("serial").GetString()));
        Assert.All(moved, m => Assert.Equal("Validated", m.GetProperty("status").GetString()));
        Assert.All((await StatusesAsync(serials)).Values, s => Assert.Equal(GpuStatus.Validated, s));
        await using var db = App.CreateDbContext();
        foreach (var serial in serials)
        {
            var entries = await db.AuditEntries.Where(a => a.EntityType == "Gpu" && a.EntityKey == serial && a.Action == AuditActions.Transition
                && a.Message!.Contains("BurnIn → Validated: burn-in passed")).ToListAsync();
            var entry = Assert.Single(entries);
            Assert.Equal("token:test-Technician", entry.Actor);
        }
    }

    [SkippableFact]
    public async Task Transitions_OneCardRefused_Is422NamingEachRefusedCardAndMovesNothing()
    {
        var movable = await SerialsAsync(GpuStatus.BurnIn, 3, 2);
        var inService = (await SerialsAsync(GpuStatus.InService, 0, 1))[0];
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var auditsBefore = await AuditCountAsync(movable, AuditActions.Transition);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions",
            new { serials = movable.Append(inService).Append("NO-SUCH-CARD"), to = "Validated", message = "passed" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await JsonAsync(response)).GetProperty("errors").EnumerateArray()
            .ToDictionary(e => e.GetProperty("serial").GetString()!, e => e.GetProperty("message").GetString()!);
        Assert.Equal(2, errors.Count);
        Assert.Contains("cannot move from InService to Validated", errors[inService]);
        Assert.Contains("No GPU with serial", errors["NO-SUCH-CARD"]);
        Assert.All((await StatusesAsync(movable)).Values, s => Assert.Equal(GpuStatus.BurnIn, s));
        Assert.Equal(auditsBefore, await AuditCountAsync(movable, AuditActions.Transition));
    }

    [SkippableFact]
    public async Task Transitions_Partial_MovesThoseThatCanAndNamesTheRest()
    {
        var movable = await SerialsAsync(GpuStatus.BurnIn, 5, 2);
        var inService = (await SerialsAsync(GpuStatus.InService, 1, 1))[0];
        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions",
            new { serials = movable.Append(inService), to = "Validated", message = "passed", partial = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal(movable.Order(StringComparer.Ordinal), json.GetProperty("changed").EnumerateArray().Select(m => m.GetProperty("serial").GetString()));
        var error = Assert.Single(json.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal(inService, error.GetProperty("serial").GetString());
        var statuses = await StatusesAsync(movable.Append(inService));
        Assert.Equal(GpuStatus.Validated, statuses[movable[0]]);
        Assert.Equal(GpuStatus.Validated, statuses[movable[1]]);
        Assert.Equal(GpuStatus.InService, statuses[inService]);
        Assert.Equal(2, await AuditCountAsync(movable, AuditActions.Transition) - 0 - await PriorTransitionsAsync(movable));
    }

    private async Task<int> PriorTransitionsAsync(IEnumerable<string> serials)
    {
        // Transitions other than this test's move (the seeder's history, if any).
        var list = serials.ToList();
        await using var db = App.CreateDbContext();
        return await db.AuditEntries.CountAsync(a => a.EntityType == "Gpu" && list.Contains(a.EntityKey) && a.Action == AuditActions.Transition
            && !a.Message!.Contains("BurnIn → Validated: passed"));
    }

    [SkippableTheory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Finance)]
    public async Task Transitions_RoleWithoutRight_Is403AndMovesNothing(string role)
    {
        var serials = await SerialsAsync(GpuStatus.BurnIn, role == Roles.Viewer ? 7 : 8, 1);
        using var client = await App.ClientForRoleAsync(role);

        var response = await client.PostAsJsonAsync("/api/gpus/transitions", new { serials, to = "Validated" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(GpuStatus.BurnIn, (await StatusesAsync(serials))[serials[0]]);
    }

    [SkippableFact]
    public async Task Transitions_ToRmaPending_OpensOneCasePerFailedCard()
    {
        var serials = await SerialsAsync(GpuStatus.Failed, 0, 2);
        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions", new { serials, to = "RmaPending", message = "ECC errors in burn-in" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = App.CreateDbContext();
        foreach (var serial in serials)
        {
            var gpu = await db.Gpus.SingleAsync(g => g.Serial == serial);
            Assert.Equal(GpuStatus.RmaPending, gpu.Status);
            var rma = await db.RmaCases.SingleAsync(c => c.GpuId == gpu.Id);
            Assert.Equal(RmaStatus.Open, rma.Status);
            Assert.Equal("ECC errors in burn-in", rma.Reason);
        }

        Assert.Equal(2, await AuditCountAsync(serials, AuditActions.Transition) - await NonRmaTransitionsAsync(serials));
    }

    private async Task<int> NonRmaTransitionsAsync(IEnumerable<string> serials)
    {
        var list = serials.ToList();
        await using var db = App.CreateDbContext();
        return await db.AuditEntries.CountAsync(a => a.EntityType == "Gpu" && list.Contains(a.EntityKey) && a.Action == AuditActions.Transition
            && !a.Message!.Contains("Failed → RmaPending"));
    }

    [SkippableFact]
    public async Task Transitions_RmaStepWithoutTheCase_Is422PointingToTheCase()
    {
        string serial;
        int caseId;
        await using (var db = App.CreateDbContext())
        {
            var open = await db.RmaCases.Where(c => c.Status == RmaStatus.Open && db.Gpus.Any(g => g.Id == c.GpuId && g.Status == GpuStatus.RmaPending))
                .OrderBy(c => c.Id).Select(c => new { c.Id, c.GpuId }).FirstAsync();
            caseId = open.Id;
            serial = await db.Gpus.Where(g => g.Id == open.GpuId).Select(g => g.Serial).SingleAsync();
        }

        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions", new { serials = new[] { serial }, to = "RmaShipped", message = "sent" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = Assert.Single((await JsonAsync(response)).GetProperty("errors").EnumerateArray().ToList());
        Assert.Contains($"has RMA case {caseId}", error.GetProperty("message").GetString());
        Assert.Equal(GpuStatus.RmaPending, (await StatusesAsync([serial]))[serial]);
    }

    [SkippableFact]
    public async Task Transitions_MoreThanTenThousandSerials_Is400()
    {
        using var tech = await App.ClientForRoleAsync(Roles.Technician);
        var serials = Enumerable.Range(0, 10_001).Select(i => $"S{i}").ToList();

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions", new { serials, to = "Validated" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("10,000", (await JsonAsync(response)).GetProperty("detail").GetString());
    }

    [SkippableFact]
    public async Task Transitions_ByFilter_MovesEveryMatchingCard()
    {
        var serial = (await SerialsAsync(GpuStatus.BurnIn, 9, 1))[0];
        using var tech = await App.ClientForRoleAsync(Roles.Technician);

        var response = await tech.PostAsJsonAsync("/api/gpus/transitions",
            new { filter = new { status = "BurnIn", search = serial }, to = "Validated", message = "passed" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(serial, (await JsonAsync(response)).GetProperty("changed").EnumerateArray().Select(m => m.GetProperty("serial").GetString()));
        Assert.Equal(GpuStatus.Validated, (await StatusesAsync([serial]))[serial]);
    }

    [SkippableFact]
    public async Task Edits_AssetTagAndNotes_ChangeEachCardAndAuditOnePerCard()
    {
        var serials = await SerialsAsync(GpuStatus.Validated, 0, 2);
        using var procurement = await App.ClientForRoleAsync(Roles.Procurement);

        var response = await procurement.PostAsJsonAsync("/api/gpus/edits",
            new { serials, assetTag = "BULK-TAG", notes = "checked in the cage", notesMode = "Append" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = App.CreateDbContext();
        foreach (var serial in serials)
        {
            var gpu = await db.Gpus.SingleAsync(g => g.Serial == serial);
            Assert.Equal("BULK-TAG", gpu.AssetTag);
            Assert.EndsWith("checked in the cage", gpu.Notes);
            Assert.Single(await db.AuditEntries.Where(a => a.EntityKey == serial && a.Action == AuditActions.Update && a.Message!.StartsWith("Bulk edit")).ToListAsync());
        }
    }

    [SkippableFact]
    public async Task Edits_Viewer_Is403()
    {
        var serials = await SerialsAsync(GpuStatus.Validated, 2, 1);
        using var viewer = await App.ClientForRoleAsync(Roles.Viewer);

        var response = await viewer.PostAsJsonAsync("/api/gpus/edits", new { serials, notes = "x" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

public sealed class SqliteGpuBulkApiTests(SqliteDemoAppFixture fixture) : GpuBulkApiContractTests<SqliteDemoAppFixture>(fixture);

public sealed class PostgresGpuBulkApiTests(PostgresDemoAppFixture fixture) : GpuBulkApiContractTests<PostgresDemoAppFixture>(fixture);
