using Bunit;
using Fleet.Application.BurnIn;
using Fleet.Application.Common;
using Fleet.Domain.Lifecycle;
using Fleet.Web.Components.Pages.BurnIn;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.BurnIn;

public sealed class ProfileCampaignPageTests : ComponentTestContext
{
    [Fact]
    public async Task Render_FinishedProfileJob_ShowsItsCardAndLinksTheStoredProfile()
    {
        SignIn(Roles.Technician);
        IReadOnlyList<TestCard> cards;
        await using (var db = CreateDbContext())
        {
            cards = await BurnInFleet.AddHostsAsync(db, "pui", 1, 1);
            await BurnInFleet.ToBurnInAsync(db, cards);
        }

        var campaign = await Services.GetRequiredService<CreateBurnInCampaign>().CreateAsync(
            new CreateCampaignRequest("profiles", null, Kind: "profile", Preset: "stories-15m", Dtype: "bf16", Models: [BurnInFleet.Model]), BurnInActors.Technician);
        var job = (await Services.GetRequiredService<ClaimBurnInJob>().ClaimAsync(new ClaimRequest(cards[0].Host, "a", [], ["profile"]), BurnInActors.Agent))!;
        var stored = await Services.GetRequiredService<IngestProfileResult>().PostAsync(job.JobId, """
            {"schema":"fleet.inference-profile/v1","gpuModel":"cpu","model":"stories-15m","dtype":"f32",
             "ceilings":{"bandwidthBytesPerSecond":3.0e10,"matmulFlopsPerSecond":1.0e11},
             "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
             "memory":{"deviceMemoryBytes":8589934592,"weightBytes":60000000,"kvBytesPerToken":4608,"maxBatch":[]},
             "decodePoints":[{"batch":1,"context":16,"seconds":0.002}]}
            """, BurnInActors.Agent);

        var cut = Render<BurnInPage>();
        cut.WaitForElement($"[data-testid='burnin-campaign-row'][data-id='{campaign.Id}']").Click();

        cut.WaitForAssertion(() => Assert.Contains(cards[0].Serial, cut.Find("[data-testid='burnin-job-card']").TextContent));
        Assert.Equal($"profiles#profile-{stored.ProfileId}", cut.Find("[data-testid='burnin-job-profile-link']").GetAttribute("href"));
    }
}
