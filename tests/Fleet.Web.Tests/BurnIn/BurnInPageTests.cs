using Bunit;
using Fleet.Application.BurnIn;
using Fleet.Application.Common;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.BurnIn;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.BurnIn;

public sealed class BurnInPageTests : ComponentTestContext
{
    [Fact]
    public async Task Render_CampaignWithAFailedCard_ShowsProgressAndTheCardsFindings()
    {
        SignIn(Roles.Technician);
        IReadOnlyList<TestCard> cards;
        await using (var db = CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "ui1", 1, 2);
        }

        var campaign = await Services.GetRequiredService<CreateBurnInCampaign>().CreateAsync(
            new CreateCampaignRequest("ui", "quick", Serials: cards.Select(c => c.Serial).ToList()), BurnInActors.Technician);
        var job = (await Services.GetRequiredService<ClaimBurnInJob>().ClaimAsync(new ClaimRequest(cards[0].Host, "a", []), BurnInActors.Agent))!;
        await Services.GetRequiredService<IngestBurnInResult>().PostAsync(job.JobId, BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host,
            [new(cards[0].Serial, cards[0].Uuid, StandIn: true), new(cards[1].Serial, cards[1].Uuid, Fail: true)]), BurnInActors.Agent);

        var cut = Render<BurnInPage>();
        cut.WaitForElement($"[data-testid='burnin-campaign-row'][data-id='{campaign.Id}']");
        Assert.Equal("1 / 1 / 0", cut.Find("[data-testid='burnin-campaign-cards']").TextContent.Trim());
        Assert.Equal(nameof(BurnInCampaignState.Completed), cut.Find("[data-testid='burnin-campaign-state']").TextContent.Trim());

        cut.Find("[data-testid='burnin-campaign-row']").Click();

        cut.WaitForAssertion(() => Assert.Contains("MEMORY_ERROR",
            cut.Find($"[data-testid='burnin-card-row'][data-serial='{cards[1].Serial}'] [data-testid='burnin-card-findings']").TextContent));
        Assert.Single(cut.FindAll("[data-testid='burnin-standin']"));
    }

    [Fact]
    public async Task Create_FromDatacenterFilter_QueuesTheHostsCardsAndMovesThemToBurnIn()
    {
        SignIn(Roles.Technician);
        await using (var db = CreateDbContext())
        {
            await BurnInFleet.AddHostsAsync(db, "ui2", 2, 2);
        }

        var cut = Render<BurnInPage>();
        cut.WaitForElement("[data-testid='burnin-create']");
        cut.Find("input[data-testid='burnin-name']").Change("from the filter");
        cut.Find("input[data-testid='burnin-datacenter']").Change("UI2");
        cut.Find("[data-testid='burnin-create-submit']").Click();

        cut.WaitForAssertion(() => Assert.Contains("4 cards on 2 hosts", cut.Find("[data-testid='burnin-success']").TextContent));
        await using var check = CreateDbContext();
        Assert.Equal(4, await check.Gpus.CountAsync(g => g.Status == GpuStatus.BurnIn));
        Assert.Equal(2, await check.BurnInJobs.CountAsync(j => j.State == BurnInJobState.Queued));
    }

    [Fact]
    public void Render_Viewer_OffersNoCreateForm()
    {
        SignIn(Roles.Viewer);
        var cut = Render<BurnInPage>();
        cut.WaitForElement("[data-testid='burnin-campaigns']");
        Assert.Empty(cut.FindAll("[data-testid='burnin-create']"));
    }
}

public sealed class GpuBurnInRunsTests : ComponentTestContext
{
    [Fact]
    public async Task Render_CardWithARun_ShowsVerdictTflopsAgainstSpecAndFindings()
    {
        IReadOnlyList<TestCard> cards;
        await using (var db = CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "ui3", 1, 1);
        }

        var tech = new Actor("tess", Roles.Technician);
        var agent = BurnInActors.Agent;
        await Services.GetRequiredService<CreateBurnInCampaign>().CreateAsync(new CreateCampaignRequest("ui", "quick", Serials: [cards[0].Serial]), tech);
        var job = (await Services.GetRequiredService<ClaimBurnInJob>().ClaimAsync(new ClaimRequest(cards[0].Host, "a", []), agent))!;
        await Services.GetRequiredService<IngestBurnInResult>().PostAsync(job.JobId,
            BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host, [new(cards[0].Serial, cards[0].Uuid, Fail: true, Bf16Tflops: 494.5)]), agent);

        var cut = Render<GpuBurnInRuns>(p => p.Add(c => c.Serial, cards[0].Serial));

        cut.WaitForElement("[data-testid='gpu-burnin-run']");
        Assert.Equal("Fail", cut.Find("[data-testid='gpu-burnin-run']").GetAttribute("data-verdict"));
        // 494.5 of the H100's 989 BF16 TFLOP/s is 50 %.
        Assert.Contains("Bf16 494.5 (50 %", cut.Find("[data-testid='gpu-burnin-tflops']").TextContent);
        Assert.Contains("MEMORY_ERROR", cut.Find("[data-testid='gpu-burnin-findings']").TextContent);
    }
}

public sealed class BurnInDashboardCardTests : ComponentTestContext
{
    [Fact]
    public async Task Render_AfterOneFailingAndOnePassingCard_ShowsWaitingPassRateAndFailuresByCode()
    {
        IReadOnlyList<TestCard> cards;
        await using (var db = CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "ui4", 2, 2);
        }

        var agent = BurnInActors.Agent;
        await Services.GetRequiredService<CreateBurnInCampaign>().CreateAsync(
            new CreateCampaignRequest("ui", "quick", Serials: cards.Take(2).Select(c => c.Serial).ToList()), new Actor("tess", Roles.Technician));
        var job = (await Services.GetRequiredService<ClaimBurnInJob>().ClaimAsync(new ClaimRequest(cards[0].Host, "a", []), agent))!;
        await Services.GetRequiredService<IngestBurnInResult>().PostAsync(job.JobId, BurnInFleet.Document(Guid.NewGuid().ToString(), cards[0].Host,
            [new(cards[0].Serial, cards[0].Uuid), new(cards[1].Serial, cards[1].Uuid, Fail: true)]), agent);

        var cut = Render<BurnInDashboardCard>();

        cut.WaitForElement("[data-testid='burnin-failures']");
        // The two cards of the other host are still Received; the two that ran are Validated and RmaPending.
        Assert.StartsWith("2 cards waiting", cut.Find("[data-testid='burnin-waiting']").TextContent);
        Assert.Contains("50.0", cut.Find("[data-testid='burnin-pass-rate']").TextContent);
        Assert.Contains("MEMORY_ERROR", cut.Find("[data-testid='burnin-failures']").TextContent);
    }
}
