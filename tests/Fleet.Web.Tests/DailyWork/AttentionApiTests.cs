using System.Net;
using System.Text.Json;
using Fleet.Data.Seeding;
using Fleet.Domain.Audit;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Web.Tests.DailyWork;

/// <summary>
/// <c>GET /api/attention</c> on each provider under a fake clock: each kind of waiting item appears once it has waited
/// longer than its configured days, not before. Days: Received 7, BurnIn 3, RMA open 30, warranty window 90 (the defaults).
/// </summary>
public abstract class AttentionApiTests(string provider)
{
    private static int CountOf(JsonElement list, string key) =>
        list.EnumerateArray().Single(i => i.GetProperty("key").GetString() == key).GetProperty("count").GetInt32();

    [SkippableFact]
    public async Task Attention_ItemsAppearAfterTheirDaysAndNotBefore()
    {
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddHours(12), TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        await using var app = await new FleetWebFactory(provider, configure: b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)))
            .StartAsync();
        var t0 = start.UtcDateTime;
        await using (var db = app.CreateDbContext())
        {
            var h100 = (await DemoSeeder.EnsureCatalogAsync(db, CancellationToken.None))["H100 SXM5 80GB"].Id;
            db.Gpus.AddRange(
                new Gpu { Serial = "A-RECEIVED", GpuModelId = h100, ReceivedAt = t0 },
                // Received long ago, but it entered BurnIn at t0 (its transition): BurnIn days count from the move.
                new Gpu(GpuStatus.BurnIn) { Serial = "A-BURNIN", GpuModelId = h100, ReceivedAt = t0.AddDays(-60) },
                new Gpu(GpuStatus.InService) { Serial = "A-WARRANTY", GpuModelId = h100, ReceivedAt = t0.AddDays(-60), WarrantyEndsAt = t0.AddDays(100) });
            db.AuditEntries.Add(new AuditEntry
            {
                At = t0, Actor = "test", EntityType = nameof(Gpu), EntityKey = "A-BURNIN", Action = AuditActions.Transition, Message = "Received → BurnIn",
            });
            var failed = new Gpu(GpuStatus.Failed) { Serial = "A-FAILED", GpuModelId = h100, ReceivedAt = t0.AddDays(-60) };
            db.Gpus.Add(failed);
            await db.SaveChangesAsync();
            db.RmaCases.Add(RmaCase.Open(failed, null, "Xid 79", null, null, false, "test", Roles.Admin, t0, out _));
            await db.SaveChangesAsync();
        }

        using var viewer = await app.ClientForRoleAsync(Roles.Viewer);
        async Task<JsonElement> AtAsync(double days)
        {
            clock.SetUtcNow(start.AddDays(days));
            var response = await viewer.GetAsync("/api/attention");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        }

        var day2 = await AtAsync(2.9);
        Assert.Equal(0, CountOf(day2, "received-waiting"));
        Assert.Equal(0, CountOf(day2, "burnin-waiting"));
        Assert.Equal(0, CountOf(day2, "warranty-ending"));
        Assert.Equal(0, CountOf(day2, "rma-open"));

        var day3 = await AtAsync(3.1);
        Assert.Equal(1, CountOf(day3, "burnin-waiting"));
        Assert.Equal(0, CountOf(day3, "received-waiting"));

        var day6 = await AtAsync(6.9);
        Assert.Equal(0, CountOf(day6, "received-waiting"));

        var day7 = await AtAsync(7.1);
        Assert.Equal(1, CountOf(day7, "received-waiting"));
        Assert.Equal(0, CountOf(day7, "warranty-ending"));

        // The warranty ends at day 100: inside the 90-day window from day 10 on.
        Assert.Equal(0, CountOf(await AtAsync(9.9), "warranty-ending"));
        Assert.Equal(1, CountOf(await AtAsync(10.1), "warranty-ending"));

        Assert.Equal(0, CountOf(await AtAsync(29.9), "rma-open"));
        var day30 = await AtAsync(30.1);
        Assert.Equal(1, CountOf(day30, "rma-open"));
        var rma = day30.EnumerateArray().Single(i => i.GetProperty("key").GetString() == "rma-open");
        Assert.Equal("rma", rma.GetProperty("link").GetString());
        var received = day30.EnumerateArray().Single(i => i.GetProperty("key").GetString() == "received-waiting");
        Assert.StartsWith("gpus?status=Received", received.GetProperty("link").GetString());
    }

    [SkippableFact]
    public async Task Attention_BadConfiguredDays_FailsAtStartUpNamingTheKey()
    {
        // The host fails to start either way; which exception reaches the caller is a race in the test host's shutdown:
        // now and then the options' validation error, logged as the cause, surfaces as an ObjectDisposedException.
        Exception error;
        var attempt = 0;
        do
        {
            var factory = new FleetWebFactory(provider, settings: new Dictionary<string, string> { ["Fleet:Attention:ReceivedDays"] = "0" });
            error = await Assert.ThrowsAnyAsync<Exception>(async () => await factory.StartAsync());
            Skip.If(error is SkipException, error.Message);
            await factory.DisposeAsync();
        }
        while (error is ObjectDisposedException && ++attempt < 3);

        Assert.Contains("ReceivedDays", error.ToString());
    }
}

public sealed class SqliteAttentionApiTests() : AttentionApiTests(TestDatabase.Sqlite);

public sealed class PostgresAttentionApiTests() : AttentionApiTests(TestDatabase.Postgres);
