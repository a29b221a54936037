using Fleet.Application.Common;
using Fleet.Application.Planning;

namespace Fleet.Web.Tests.Planning;

/// <summary>An <see cref="IPlanningService"/> that records what the pages send and answers what a test sets.</summary>
internal sealed class FakePlanningService : IPlanningService
{
    public List<ScenarioForm> Built { get; } = [];
    public List<PlanSubmission> Submitted { get; } = [];
    public List<(int Run, BuyPlanRequest Request)> Ordered { get; } = [];
    public List<int> Cancelled { get; } = [];
    public IReadOnlyList<string>? RefuseWith { get; set; }
    public Dictionary<int, PlanRunDetail> Runs { get; } = [];
    public BuyPlanPreview? BuyPlan { get; set; }

    public IReadOnlyList<InventoryPool> Inventory { get; set; } =
        [new("IAD1", "H100 SXM5 80GB", 96), new("ORD1", "H100 SXM5 80GB", 64)];

    public Task<IReadOnlyList<InventoryPool>> InventoryAsync(CancellationToken ct = default) => Task.FromResult(Inventory);

    public Task<BuiltScenario> BuildScenarioAsync(ScenarioForm form, CancellationToken ct = default)
    {
        Built.Add(form);
        if (RefuseWith is { } errors)
        {
            throw new PlanScenarioException(errors);
        }

        return Task.FromResult(new BuiltScenario("""{ "schema": "fleet.scenario/v1" }""", [new("IAD1", "H100 SXM5 80GB", 96)],
            new PerformanceChoice("roofline", null, null, null), ["No measured profile for H100 SXM5 80GB: step times come from the roofline."]));
    }

    public Task<PlanRunSummary> SubmitAsync(PlanSubmission submission, Actor actor, CancellationToken ct = default)
    {
        Submitted.Add(submission);
        var summary = new PlanRunSummary(Submitted.Count, "s", submission.SavedScenario, submission.Kind, PlanState.Queued, 0, actor.Name, DateTime.UtcNow, null, null, null);
        Runs.TryAdd(summary.Id, new PlanRunDetail(summary, submission.ScenarioJson, submission.Capacity, null, [], null));
        return Task.FromResult(summary);
    }

    public Task<PlanRunDetail?> GetAsync(int id, CancellationToken ct = default) => Task.FromResult(Runs.GetValueOrDefault(id));

    public Task<IReadOnlyList<PlanRunSummary>> ListAsync(string? savedScenario = null, int limit = 100, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<PlanRunSummary>>(Runs.Values.Select(r => r.Run).ToList());

    public Task<bool> CancelAsync(int id, Actor actor, CancellationToken ct = default)
    {
        Cancelled.Add(id);
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<SavedScenarioItem>> SavedScenariosAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<SavedScenarioItem>>([]);

    public Task<SavedScenarioItem> SaveScenarioAsync(string name, string scenarioJson, Actor actor, CancellationToken ct = default) =>
        Task.FromResult(new SavedScenarioItem(1, name, scenarioJson, actor.Name, DateTime.UtcNow, []));

    public Task<BuyPlanPreview> BuyPlanAsync(int planRunId, CancellationToken ct = default) =>
        Task.FromResult(BuyPlan ?? new BuyPlanPreview(planRunId, "H100 SXM5 80GB", []));

    public Task<BuyPlanResult> CreateBuyPlanOrdersAsync(int planRunId, BuyPlanRequest request, Actor actor, CancellationToken ct = default)
    {
        Ordered.Add((planRunId, request));
        return Task.FromResult(new BuyPlanResult(planRunId, BuyPlan?.Lines ?? [], ["PLAN-7-IAD1"]));
    }
}
