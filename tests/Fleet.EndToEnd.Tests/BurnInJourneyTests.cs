using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Fleet.Application.BurnIn;
using Fleet.Domain;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.EndToEnd.Tests.Infrastructure;
using Fleet.Testing;
using Fleet.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Fleet.EndToEnd.Tests;

/// <summary>
/// The burn-in journey in a real browser: a technician creates a campaign from the inventory filter, an agent (the protocol over
/// HTTP with an Agent token) claims, heartbeats and posts a <c>fleet.burnin/v1</c> document with one failing card, the page's
/// live progress reaches done, and the failed card's RMA case shows the evidence.
/// </summary>
public sealed class BurnInJourneyTests
{
    [SkippableFact]
    public Task Journey_Sqlite_CampaignAgentProgressRmaEvidence() => RunAsync(TestDatabase.Sqlite);

    [SkippableFact]
    public Task Journey_Postgres_CampaignAgentProgressRmaEvidence() => RunAsync(TestDatabase.Postgres);

    private static ILocator Input(BrowserSession b, string testId) =>
        b.Page.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    private static async Task RunAsync(string provider)
    {
        await using var app = await FleetAppServer.StartAsync(provider, seedDemo: false);
        IReadOnlyList<TestCard> cards;
        await using (var db = app.CreateDbContext())
        {
            // Three placed, Received H100s on one host in datacenter BIE2E.
            cards = await BurnInFleet.AddHostsAsync(db, "bie2e", 1, 3);
        }

        var host = cards[0].Host;
        var failing = cards[2];
        await using var browser = await BrowserSession.OpenAsync(app, $"burnin-{provider.ToLowerInvariant()}");
        var page = browser.Page;
        await browser.LoginAsync("tech@fleet.local");

        // 1. The technician creates a campaign from the inventory filter: Received cards in BIE2E.
        await browser.GotoAsync("burnin");
        await Input(browser, "burnin-name").FillAsync("e2e campaign");
        await Input(browser, "burnin-name").PressAsync("Tab");
        await Input(browser, "burnin-datacenter").FillAsync("BIE2E");
        await Input(browser, "burnin-datacenter").PressAsync("Tab");
        await browser.ScreenshotAsync("create-form");
        await browser.ByTestId("burnin-create-submit").ClickAsync();
        await Assertions.Expect(browser.ByTestId("burnin-success")).ToContainTextAsync("3 cards on 1 hosts");
        var campaignRow = browser.ByTestId("burnin-campaign-row").First;
        await Assertions.Expect(campaignRow.Locator("[data-testid='burnin-campaign-cards']")).ToHaveTextAsync("0 / 0 / 3");
        await Assertions.Expect(browser.ByTestId("burnin-job-state")).ToHaveTextAsync(nameof(Fleet.Domain.BurnIn.BurnInJobState.Queued));
        await browser.ScreenshotAsync("campaign-queued");
        await using (var db = app.CreateDbContext())
        {
            Assert.Equal(3, await db.Gpus.CountAsync(g => g.Status == GpuStatus.BurnIn));
        }

        // 2. An agent on the host: claim, heartbeat (the page shows the job held, with its phase and percent).
        string token;
        using (var scope = app.Services.CreateScope())
        {
            token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync("e2e-agent", Roles.Agent);
        }

        using var agent = new HttpClient { BaseAddress = app.BaseAddress };
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var devices = cards.Select(c => new ClaimDevice(c.Uuid, c.Serial, Bus(c.Slot), "NVIDIA H100 80GB HBM3")).ToList();
        using var claimed = await agent.PostAsJsonAsync("api/agent/claim", new ClaimRequest(host, "e2e-agent-1", devices));
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var job = (await claimed.Content.ReadFromJsonAsync<ClaimResponse>())!;
        Assert.Equal(cards.Select(c => c.Serial).Order(StringComparer.Ordinal), job.Cards.Select(c => c.Serial).Order(StringComparer.Ordinal));
        using var beat = await agent.PostAsJsonAsync($"api/agent/jobs/{job.JobId}/heartbeat", new HeartbeatRequest("gemm", 40));
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);

        // The page refreshes itself: the job is held by the agent, 40 %.
        await Assertions.Expect(browser.ByTestId("burnin-job-state")).ToHaveTextAsync(nameof(Fleet.Domain.BurnIn.BurnInJobState.Claimed));
        await Assertions.Expect(browser.ByTestId("burnin-job-percent")).ToHaveTextAsync("40");
        await Assertions.Expect(browser.ByTestId("burnin-job-phase")).ToHaveTextAsync("gemm");
        await browser.ScreenshotAsync("job-claimed");

        // 3. The agent posts the results: two cards pass, the third fails its memory test.
        var started = DateTimeOffset.UtcNow;
        var result = new BurnInResult
        {
            RunId = Guid.NewGuid().ToString(), Tool = new ToolInfo("fleet", "0.1.0-e2e"), Host = new HostInfo(host, "Linux", 16),
            Options = new BurnInRunOptions { Level = BurnInLevel.Quick, Seed = 7, Device = "all" },
            StartedAt = started, EndedAt = started.AddSeconds(60), Complete = true, Verdict = Verdict.Fail,
            Devices = cards.Select(c => Device(c, started, fail: c == failing)).ToList(),
        };
        using var body = new StringContent(BurnInJson.Serialize(result), Encoding.UTF8, "application/json");
        using var posted = await agent.PostAsync($"api/agent/jobs/{job.JobId}/results", body);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        // 4. The progress reaches done: the campaign completes with two passed and one failed.
        await Assertions.Expect(campaignRow.Locator("[data-testid='burnin-campaign-state']"))
            .ToHaveTextAsync(nameof(Fleet.Domain.BurnIn.BurnInCampaignState.Completed));
        await Assertions.Expect(campaignRow.Locator("[data-testid='burnin-campaign-cards']")).ToHaveTextAsync("2 / 1 / 0");
        var failedRow = page.Locator($"[data-testid='burnin-card-row'][data-serial='{failing.Serial}']");
        await Assertions.Expect(failedRow.Locator("[data-testid='burnin-card-findings']")).ToContainTextAsync(FindingCodes.MemoryError);
        await browser.ScreenshotAsync("campaign-done");

        // 5. The failed card's charts, then its RMA case with the evidence.
        await failedRow.Locator("[data-testid='burnin-card-charts']").ClickAsync();
        await Assertions.Expect(browser.ByTestId("burnin-tflops-chart")).ToBeVisibleAsync();
        await Assertions.Expect(browser.ByTestId("burnin-temperature-chart")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("failed-card-charts");
        await browser.ByTestId("burnin-run-rma").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/rma/\\d+$"), new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(browser.ByTestId("rma-evidence-serial")).ToHaveTextAsync(failing.Serial);
        await Assertions.Expect(browser.ByTestId("rma-evidence-uuid")).ToHaveTextAsync(failing.Uuid);
        await Assertions.Expect(browser.ByTestId("rma-evidence-finding").First).ToContainTextAsync(FindingCodes.MemoryError);
        await Assertions.Expect(browser.ByTestId("rma-evidence-findings")).ToContainTextAsync("walking-ones");
        await Assertions.Expect(browser.ByTestId("rma-case-reason")).ToContainTextAsync(result.RunId);
        await browser.ScreenshotAsync("rma-case-evidence");

        await using (var db = app.CreateDbContext())
        {
            var statuses = await db.Gpus.ToDictionaryAsync(g => g.Serial, g => g.Status);
            Assert.Equal(GpuStatus.RmaPending, statuses[failing.Serial]);
            Assert.Equal(GpuStatus.Validated, statuses[cards[0].Serial]);
            Assert.Equal(GpuStatus.Validated, statuses[cards[1].Serial]);
        }
    }

    private static string Bus(int slot) => string.Create(CultureInfo.InvariantCulture, $"00000000:{0x18 + slot:X2}:00.0");

    /// <summary>One device's part of the document, as the agent's burn-in writes it (real-silicon shape, cuBLAS, telemetry samples).</summary>
    private static DeviceBurnInResult Device(TestCard card, DateTimeOffset started, bool fail) => new()
    {
        Device = new GpuDeviceInfo
        {
            Id = card.Slot.ToString(CultureInfo.InvariantCulture), Kind = DeviceKind.Cuda, CudaIndex = card.Slot, Name = "NVIDIA H100 80GB HBM3",
            MemoryBytes = 80L << 30, Uuid = card.Uuid, Serial = card.Serial, PciBusId = Bus(card.Slot), VbiosVersion = "96.00.74.00.01",
            BoardPartNumber = "692-2G520-0200-000", CatalogModel = BurnInFleet.Model,
        },
        Engine = "cublas",
        Complete = true,
        Verdict = fail ? Verdict.Fail : Verdict.Pass,
        Findings = fail
            ? [new Finding(FindingCodes.MemoryError, Severity.Critical, "3 memory errors in pattern walking-ones",
                Finding.EvidenceOf(("errors", 3), ("pattern", "walking-ones")))]
            : [],
        Gemm =
        [
            new GemmStressMetrics { Precision = Precision.Bf16, Engine = "cublas", Size = 8192, Rounds = 10, Products = 100, Gflops = 702_000 },
            new GemmStressMetrics { Precision = Precision.Fp32, Engine = "cublas", Size = 8192, Rounds = 10, Products = 100, Gflops = 51_000 },
        ],
        Bandwidth = new BandwidthMetrics { Bytes = 1L << 30, DeviceToDeviceGBs = 2900, HostToDeviceGBs = 52, DeviceToHostGBs = 50, PinnedHostMemory = true },
        Telemetry = new TelemetrySummary
        {
            Available = true, SampleIntervalSeconds = 20, MaxTemperatureC = 77, MaxPowerW = 690, EnergyJ = 36_000,
            Samples = Enumerable.Range(0, 4).Select(i => new TelemetrySnapshot
            {
                At = started.AddSeconds(20 * i), TemperatureC = 40 + (12 * i) + card.Slot, PowerW = 300 + (130 * i),
            }).ToList(),
        },
    };
}
