using Bunit;
using Fleet.Application.BurnIn;
using Fleet.Application.Common;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Web.Components.Pages.BurnIn;
using Fleet.Web.Components.Pages.Rma;
using Fleet.Web.Tests.Components;
using MudBlazor;

namespace Fleet.Web.Tests.BurnIn;

/// <summary>The burn-in charts carry the seeded run's numbers; a failed run links to the RMA case it opened, which shows its evidence.</summary>
public sealed class BurnInChartsTests : ComponentTestContext
{
    private DateTimeOffset _start;

    /// <summary>
    /// One campaign over two hosts of three H100s: the first host's three cards pass at 700, 720 and 740 BF16 TFLOP/s (the model's
    /// history, median 720); then the second host's first card fails a memory test at 494.5 BF16 TFLOP/s with three telemetry samples.
    /// </summary>
    private async Task<(int CampaignId, TestCard Failed)> SeedAsync2()
    {
        IReadOnlyList<TestCard> cards;
        await using (var db = CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "ch", 2, 3);
        }

        var campaign = await Services.GetRequiredService<CreateBurnInCampaign>().CreateAsync(
            new CreateCampaignRequest("charts", "quick", Serials: cards.Select(c => c.Serial).ToList()), BurnInActors.Technician);
        var claim = Services.GetRequiredService<ClaimBurnInJob>();
        var ingest = Services.GetRequiredService<IngestBurnInResult>();
        var first = (await claim.ClaimAsync(new ClaimRequest(cards[0].Host, "a", []), BurnInActors.Agent))!;
        await ingest.PostAsync(first.JobId, BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host,
            [new(cards[0].Serial, cards[0].Uuid, Bf16Tflops: 700), new(cards[1].Serial, cards[1].Uuid, Bf16Tflops: 720),
                new(cards[2].Serial, cards[2].Uuid, Bf16Tflops: 740)]), BurnInActors.Agent);
        var second = (await claim.ClaimAsync(new ClaimRequest(cards[3].Host, "b", []), BurnInActors.Agent))!;
        // Runs start after their claim; whole seconds keep the labels simple.
        _start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var document = BurnInJson.Deserialize(BurnInFleet.Document(Guid.NewGuid().ToString(), cards[3].Host,
            [new(cards[3].Serial, cards[3].Uuid, Fail: true, Bf16Tflops: 494.5), new(cards[4].Serial, cards[4].Uuid, Bf16Tflops: 730),
                new(cards[5].Serial, cards[5].Uuid, Bf16Tflops: 710)], _start));
        var failing = document.Devices[0];
        document = document with
        {
            Devices =
            [
                failing with
                {
                    Telemetry = failing.Telemetry! with
                    {
                        Samples =
                        [
                            new TelemetrySnapshot { At = _start.AddSeconds(20), TemperatureC = 65, PowerW = 650 },
                            new TelemetrySnapshot { At = _start, TemperatureC = 41, PowerW = 310 },
                            new TelemetrySnapshot { At = _start.AddSeconds(40), TemperatureC = 78, PowerW = 702.5 },
                        ],
                    },
                },
                .. document.Devices.Skip(1),
            ],
        };
        await ingest.PostAsync(second.JobId, BurnInJson.Serialize(document), BurnInActors.Agent);
        return (campaign.Id, cards[3]);
    }

    private static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static double?[] Values(ChartSeries<double> series) => series.Data.Values.Select(v => (double?)v).ToArray();

    private async Task<int> CaseIdAsync(string serial)
    {
        await using var db = CreateDbContext();
        var gpu = await BurnInFleet.GpuAsync(db, serial);
        return await db.RmaCases.Where(c => c.GpuId == gpu.Id).Select(c => c.Id).SingleAsync();
    }

    [Fact]
    public async Task ShowRun_FailedCard_ChartsTflopsAgainstSpecAndFleetMedianAndTelemetryOverTheRun()
    {
        SignIn(Roles.Technician);
        var (campaignId, failed) = await SeedAsync2();
        var caseId = await CaseIdAsync(failed.Serial);

        var cut = Render<BurnInPage>();
        cut.WaitForElement($"[data-testid='burnin-campaign-row'][data-id='{campaignId}']").Click();
        cut.WaitForElement($"[data-testid='burnin-card-row'][data-serial='{failed.Serial}'] [data-testid='burnin-card-charts']").Click();
        cut.WaitForElement("[data-testid='burnin-run-charts']");

        var charts = cut.FindComponents<MudChart<double>>();
        var tflops = charts.Single(c => c.Instance.ChartType == ChartType.Bar).Instance;
        // The document's precisions are BF16 and FP32 (50,000 GFLOP/s = 50 TFLOP/s); the catalog H100 SXM5 has 989 BF16 and 67 FP32.
        Assert.Equal(["Bf16", "Fp32"], tflops.ChartLabels.Order(StringComparer.Ordinal).ToArray());
        var byPrecision = tflops.ChartLabels.Select((label, i) => (label, i)).ToDictionary(x => x.label, x => x.i);
        var measured = tflops.ChartSeries.Single(s => s.Name == BurnInCharts.Measured);
        var spec = tflops.ChartSeries.Single(s => s.Name == BurnInCharts.Spec);
        var median = tflops.ChartSeries.Single(s => s.Name == BurnInCharts.FleetMedian);
        Assert.Equal(494.5, Values(measured)[byPrecision["Bf16"]]);
        Assert.Equal(50, Values(measured)[byPrecision["Fp32"]]);
        Assert.Equal(989, Values(spec)[byPrecision["Bf16"]]);
        // The median of the model's earlier passing runs: 700, 720, 740.
        Assert.Equal(720, Values(median)[byPrecision["Bf16"]]);

        var lines = charts.Where(c => c.Instance.ChartType == ChartType.Line).Select(c => c.Instance).ToList();
        var temperature = lines.Single(c => c.ChartSeries.Single().Name == BurnInCharts.Temperature);
        var power = lines.Single(c => c.ChartSeries.Single().Name == BurnInCharts.Power);
        // Samples in time order, labelled by seconds since the first.
        Assert.Equal([41, 65, 78], Values(temperature.ChartSeries[0]));
        Assert.Equal([310, 650, 702.5], Values(power.ChartSeries[0]));
        Assert.Equal(["0 s", "20 s", "40 s"], temperature.ChartLabels);

        Assert.Equal($"rma/{caseId}", cut.Find("[data-testid='burnin-run-rma']").GetAttribute("href"));
    }

    [Fact]
    public async Task ShowRun_RunWithoutSamples_SaysSoInsteadOfAnEmptyChart()
    {
        SignIn(Roles.Technician);
        var (campaignId, failed) = await SeedAsync2();
        // The host's second card passed (its document has no samples).
        var passing = failed with { Serial = failed.Serial[..^1] + "1" };

        var cut = Render<BurnInPage>();
        cut.WaitForElement($"[data-testid='burnin-campaign-row'][data-id='{campaignId}']").Click();
        cut.WaitForElement($"[data-testid='burnin-card-row'][data-serial='{passing.Serial}'] [data-testid='burnin-card-charts']").Click();

        cut.WaitForElement("[data-testid='burnin-telemetry-none']");
        Assert.Empty(cut.FindAll("[data-testid='burnin-run-rma']"));
        Assert.Single(cut.FindComponents<MudChart<double>>());
    }

    [Fact]
    public async Task Render_CardWithTwoRuns_ChartsTflopsOverTimeAndLinksTheFailedRunsRmaCase()
    {
        var (_, failed) = await SeedAsync2();
        var caseId = await CaseIdAsync(failed.Serial);
        await using (var db = CreateDbContext())
        {
            // An earlier passing run of the same card, a day before.
            var gpu = await BurnInFleet.GpuAsync(db, failed.Serial);
            var runId = Guid.NewGuid().ToString();
            db.Set<BurnInReport>().Add(new BurnInReport
            {
                RunId = runId, ContentHash = new string('0', 64), Json = "{}", ReceivedAt = _start.UtcDateTime.AddDays(-1),
                Runs =
                [
                    new BurnInRun
                    {
                        RunId = runId, GpuId = gpu.Id, StartedAt = _start.UtcDateTime.AddDays(-1), EndedAt = _start.UtcDateTime.AddDays(-1).AddMinutes(1),
                        Verdict = Verdict.Pass, Complete = true,
                        Precisions =
                        [
                            new BurnInPrecisionResult { Precision = Precision.Bf16, Engine = "cublas", Size = 8192, Tflops = 731.25 },
                            new BurnInPrecisionResult { Precision = Precision.Fp32, Engine = "cublas", Size = 8192, Tflops = 51 },
                        ],
                    },
                ],
            });
            await db.SaveChangesAsync();
        }

        var cut = Render<GpuBurnInRuns>(p => p.Add(c => c.Serial, failed.Serial));

        cut.WaitForElement("[data-testid='gpu-burnin-tflops-chart']");
        var chart = cut.FindComponent<MudChart<double>>().Instance;
        Assert.Equal([Minute(_start.AddDays(-1)), Minute(_start)], chart.ChartLabels);
        Assert.Equal([731.25, 494.5], Values(chart.ChartSeries.Single(s => s.Name == "Bf16")));
        Assert.Equal([51, 50], Values(chart.ChartSeries.Single(s => s.Name == "Fp32")));

        var links = cut.FindAll("[data-testid='gpu-burnin-rma']");
        Assert.Equal($"rma/{caseId}", Assert.Single(links).GetAttribute("href"));
    }

    [Fact]
    public async Task Render_CaseOpenedByABurnIn_ShowsTheSerialAndTheFindingsFromItsEvidence()
    {
        SignIn(Roles.Technician);
        var (_, failed) = await SeedAsync2();
        var caseId = await CaseIdAsync(failed.Serial);

        var cut = Render<RmaCasePage>(p => p.Add(c => c.Id, caseId));

        cut.WaitForElement("[data-testid='rma-evidence-findings']");
        Assert.Equal(failed.Serial, cut.Find("[data-testid='rma-evidence-serial']").TextContent.Trim());
        Assert.Equal(failed.Uuid, cut.Find("[data-testid='rma-evidence-uuid']").TextContent.Trim());
        var codes = cut.FindAll("[data-testid='rma-evidence-finding'] b").Select(b => b.TextContent).ToList();
        Assert.Contains(FindingCodes.MemoryError, codes);
        Assert.Contains("walking-ones", cut.Find("[data-testid='rma-evidence-findings']").TextContent);
    }
}
