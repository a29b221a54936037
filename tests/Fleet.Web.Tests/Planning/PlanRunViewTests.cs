using System.Text.Json;
using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Planning;
using Fleet.Application.Procurement;
using Fleet.Planning.Analytic;
using Fleet.Planning.Capacity;
using Fleet.Web.Components.Pages.Planning;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Planning;

/// <summary>A plan run: progress and cancel while queued, the capacity answer with its chart and cost, the buy plan into draft orders.</summary>
public sealed class PlanRunViewTests : ComponentTestContext
{
    private readonly FakePlanningService _planning = new();

    private static readonly CapacityResult s_answer = new()
    {
        GpuModel = "H100 SXM5 80GB", TensorParallel = 1, TargetAttainment = 0.99, DemandRequestsPerSecond = 40,
        Gpus = 12, ServingGpus = 10, SpareGpus = 2, Replicas = 12, Attainment = 0.995, AttainmentStandardError = 0.001,
        GpusBelow = 9, AttainmentBelow = 0.97, SurviveDatacenterLoss = true,
        DatacenterLoss = [new("IAD1", 0.993), new("ORD1", 0.991)],
        Simulated = new(1.2, 0.04, 9000, 39.8, 0.7, 20),
        Analytic = new AnalyticEstimate { Gpus = 8, Assumptions = ["M/M/c over batch slots"] },
        Cost = new("USD", 30000m, 60, 0m, 700, 1.3m, 0.1m, 0.68m, 0.09m, 0.77m, 9.24m, 0.29m, 0.25m),
        Probes = [new(8, 0.80, false), new(16, 0.999, true), new(12, 0.995, true), new(10, 0.985, false)],
        Assumptions = ["replicas spread round-robin"],
    };

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Signs in and registers the fake first: bUnit takes no new services once one has been resolved.</summary>
    private new void SignIn(string role)
    {
        base.SignIn(role);
        Services.AddSingleton<IPlanningService>(_planning);
    }

    private IRenderedComponent<PlanRunView> RenderAs(string role, PlanRunDetail run)
    {
        if (!Services.Any(d => d.ServiceType == typeof(IPlanningService) && d.ImplementationInstance == _planning))
        {
            SignIn(role);
        }

        _planning.Runs[run.Run.Id] = run;
        return Render<PlanRunView>(p => p.Add(v => v.RunId, run.Run.Id));
    }

    private static PlanRunDetail Run(int id, PlanState state, double progress, string? result, PlanCost? cost = null) =>
        new(new PlanRunSummary(id, "peak", null, PlanKind.Capacity, state, progress, "Pat", new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc), null, null, null),
            "{}", new CapacityRequest(SurviveDatacenterLoss: true), result, [], cost);

    [Fact]
    public void Render_Running_ShowsProgressAndCancelSendsIt()
    {
        var cut = RenderAs(Roles.Finance, Run(3, PlanState.Running, 0.4, null));

        var bar = cut.Find("[data-testid='plan-run-progress']");
        Assert.Contains("40", cut.Markup, StringComparison.Ordinal);
        Assert.NotNull(bar);
        cut.Find("[data-testid='plan-run-cancel']").Click();

        Assert.Equal([3], _planning.Cancelled);
    }

    [Fact]
    public async Task Render_DoneCapacity_ShowsAnswerLossesChartCostAndBuysForProcurement()
    {
        _planning.BuyPlan = new BuyPlanPreview(7, "H100 SXM5 80GB", [new("IAD1", "H100 SXM5 80GB", 6, 4, 2, 30000m, "USD", "catalog")]);
        SignIn(Roles.Procurement);
        await Services.GetRequiredService<VendorService>().SaveAsync(null, new VendorRequest("Acme GPUs", "sales@acme.example", null), new Actor("Pat", Roles.Procurement));
        var cost = new PlanCost("USD", 12, 30000m, 360000m, 6700m, 6000m, 0.29m, "catalog");
        var cut = RenderAs(Roles.Procurement, Run(7, PlanState.Done, 1, JsonSerializer.Serialize(s_answer, s_json), cost));

        cut.WaitForElement("[data-testid='capacity-result']");
        Assert.Contains("12 × H100 SXM5 80GB (10 serving + 2 spare", cut.Find("[data-testid='capacity-answer']").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, cut.FindAll("[data-testid='capacity-dc-loss'] tbody tr").Count);
        Assert.NotNull(cut.Find("[data-testid='capacity-chart'] svg"));
        Assert.Contains("360,000.00 USD", cut.Find("[data-testid='cost-capex']").TextContent, StringComparison.Ordinal);
        Assert.Contains("6,700.00 USD", cut.Find("[data-testid='cost-opex']").TextContent, StringComparison.Ordinal);
        Assert.Contains("0.29 USD", cut.Find("[data-testid='cost-per-million']").TextContent, StringComparison.Ordinal);
        var line = cut.Find("[data-testid='buy-plan-line']").QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray();
        Assert.Equal(["IAD1", "H100 SXM5 80GB", "6", "4", "2"], line[..5]);

        cut.Find("[data-testid='buy-plan-create']").Click();

        var (run, request) = Assert.Single(_planning.Ordered);
        Assert.Equal(7, run);
        Assert.Equal("Acme GPUs", request.Vendor);
        Assert.Equal("procurement/orders/PLAN-7-IAD1", cut.WaitForElement("[data-testid='buy-plan-order']").GetAttribute("href"));
        Assert.Equal("planning/runs/7", cut.Find("[data-testid='buy-plan-back']").GetAttribute("href"));
    }

    [Fact]
    public void AttainmentByGpus_ProbesOutOfOrder_SortedByGpuCountBesideTheTarget()
    {
        var (series, labels) = PlanCharts.AttainmentByGpus(s_answer);

        Assert.Equal(["8", "10", "12", "16"], labels);
        Assert.Equal([80, 98.5, 99.5, 99.9], series[0].Data.Values.Cast<object>().Select(v => Math.Round((double)v, 6)));
        Assert.All(series[1].Data.Values.Cast<object>(), v => Assert.Equal(99, (double)v, 9));
    }
}
