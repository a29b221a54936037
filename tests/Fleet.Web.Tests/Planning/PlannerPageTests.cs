using Bunit;
using Fleet.Application.Planning;
using Fleet.Web.Components.Pages.Planning;
using Fleet.Web.Tests.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Fleet.Web.Tests.Planning;

/// <summary>The planner page's scenario form: fields reach the scenario, an uploaded JSON fills the fields, bad input shows on its field.</summary>
public sealed class PlannerPageTests : ComponentTestContext
{
    private readonly FakePlanningService _planning = new();

    private static string Example(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Fleet.Planning", "Examples", name));

    private IRenderedComponent<PlannerPage> RenderAs(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized($"{role.ToLowerInvariant()}@fleet.local");
        auth.SetRoles(role);
        Services.AddSingleton<IPlanningService>(_planning);
        var cut = Render<PlannerPage>();
        cut.WaitForElement("[data-testid='scenario-form']");
        return cut;
    }

    /// <summary>MudBlazor puts a field's attributes on its input (or textarea).</summary>
    private static AngleSharp.Dom.IElement Field(IRenderedComponent<PlannerPage> cut, string testId) =>
        cut.Find($"input[data-testid='{testId}'], [data-testid='{testId}'] input, textarea[data-testid='{testId}']");

    /// <summary>The field with its label and helper (error) text.</summary>
    private static string FieldText(IRenderedComponent<PlannerPage> cut, string testId) =>
        (Field(cut, testId).Closest(".mud-input-control") ?? Field(cut, testId).ParentElement!).TextContent;

    private static void Type(IRenderedComponent<PlannerPage> cut, string testId, string value) => Field(cut, testId).Change(value);

    [Fact]
    public void Build_FieldsTyped_ReachTheScenarioAndItsJsonIsShown()
    {
        var cut = RenderAs(Roles.Procurement);

        Type(cut, "f-name", "peak east");
        Type(cut, "f-rate", "42.5");
        Type(cut, "f-ttft", "1.5");
        Type(cut, "f-tpot", "0.05");
        Type(cut, "f-maxbatch", "64");
        Type(cut, "f-chunked", "2048");
        Type(cut, "f-prompt-min", "200");
        Type(cut, "f-prompt-max", "900");
        cut.Find("[data-testid='scenario-build']").Click();

        cut.WaitForElement("[data-testid='scenario-json']");
        var form = Assert.Single(_planning.Built);
        Assert.Equal("peak east", form.Name);
        Assert.Equal(42.5, form.ArrivalRatePerSecond);
        Assert.Equal(1.5, form.TtftSeconds);
        Assert.Equal(0.05, form.TpotSeconds);
        Assert.Equal(64, form.MaxBatch);
        Assert.Equal(2048, form.ChunkedPrefillTokens);
        Assert.Equal(new TokenLengthForm("uniform", Min: 200, Max: 900), form.PromptTokens);
        Assert.Null(form.Fleet);
        Assert.Null(form.HourlyFactors);
        Assert.Contains("fleet.scenario/v1", Field(cut, "scenario-json").GetAttribute("value") ?? Field(cut, "scenario-json").TextContent, StringComparison.Ordinal);
        Assert.Contains("roofline", cut.Find("[data-testid='scenario-warning']").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("data:application/json", cut.Find("[data-testid='scenario-download']").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InventoryDefault_ListsTheInServiceFleet()
    {
        var cut = RenderAs(Roles.Viewer);

        var rows = cut.FindAll("[data-testid='fleet-inventory'] tbody tr").Select(r => r.TextContent).ToList();

        Assert.Equal(2, rows.Count);
        Assert.Contains("IAD1", rows[0], StringComparison.Ordinal);
        Assert.Contains("96", rows[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_ExampleScenario_FillsTheFields()
    {
        var cut = RenderAs(Roles.Finance);

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Example("daily-failures-outage.json"), "daily.json", null, "application/json"));

        cut.WaitForAssertion(() => Assert.Equal("6", Field(cut, "f-rate").GetAttribute("value")));
        var f = cut.Instance.F;
        Assert.Equal("llama-3.1-70b", f.ModelPreset);
        Assert.Equal(ScenarioFields.DailyDemand, f.Demand);
        Assert.StartsWith("0.3, 0.25, 0.2", f.HourlyFactors, StringComparison.Ordinal);
        Assert.Equal("lognormal", f.Prompt.Kind);
        Assert.Equal(1500, f.Prompt.Mean);
        Assert.Equal(128, f.MaxBatch);
        Assert.Equal(4096, f.ChunkedPrefillTokens);
        Assert.Equal("least-outstanding", f.Routing);
        Assert.True(f.Failures);
        Assert.Equal(8, f.RepairHours);
        Assert.Equal("west", f.OutageDatacenter);
        Assert.Equal(43200, f.OutageFromSecond);
        Assert.Equal("roofline", f.Performance);
        Assert.Contains("east 16 × H200 SXM 141GB", cut.Find("[data-testid='fleet-explicit']").TextContent, StringComparison.Ordinal);
        Assert.Equal("0.08", Field(cut, "f-tpot").GetAttribute("value"));
        Assert.StartsWith("0.3, 0.25", Field(cut, "f-hourly").GetAttribute("value"), StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_RateZero_ShowsTheCliPathOnTheRateField()
    {
        var cut = RenderAs(Roles.Finance);
        var json = Example("daily-failures-outage.json").Replace("\"ratePerSecond\": 6", "\"ratePerSecond\": 0", StringComparison.Ordinal);

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, "bad.json", null, "application/json"));

        cut.WaitForElement("[data-testid='planner-scenario-errors']");
        Assert.Contains("$.workload.arrival.ratePerSecond", cut.Find("[data-testid='planner-scenario-errors']").TextContent, StringComparison.Ordinal);
        Assert.Contains("$.workload.arrival.ratePerSecond", FieldText(cut, "f-rate"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RateZeroAndOutputMaxBelowMin_ShowsFieldErrorsAndSendsNothing()
    {
        var cut = RenderAs(Roles.Procurement);

        Type(cut, "f-rate", "0");
        Type(cut, "f-output-min", "300");
        Type(cut, "f-output-max", "100");
        cut.Find("[data-testid='scenario-build']").Click();

        Assert.Contains("Arrival rate must be more than 0", FieldText(cut, "f-rate"), StringComparison.Ordinal);
        Assert.Contains("max at least min", cut.Find("[data-testid='f-output']").TextContent, StringComparison.Ordinal);
        Assert.Empty(_planning.Built);
        Assert.Empty(cut.FindAll("[data-testid='scenario-json']"));
    }

    [Fact]
    public void Build_ServiceRefusesWithPath_ErrorLandsOnItsField()
    {
        _planning.RefuseWith = ["$.slo.tpotSeconds: must be > 0 and <= 3600 (got 9999)"];
        var cut = RenderAs(Roles.Procurement);

        cut.Find("[data-testid='scenario-build']").Click();

        cut.WaitForAssertion(() => Assert.Contains("$.slo.tpotSeconds", FieldText(cut, "f-tpot"), StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CapacityWithDatacenterLoss_SubmitsTheBuiltJsonWithItsOptions()
    {
        var cut = RenderAs(Roles.Procurement);
        cut.Find("[data-testid='scenario-build']").Click();
        cut.WaitForElement("[data-testid='run-capacity']");

        Field(cut, "capacity-survive").Change(true);
        Field(cut, "capacity-spares").Change(true);
        cut.Find("[data-testid='run-capacity']").Click();

        var run = Assert.Single(_planning.Submitted);
        Assert.Equal(PlanKind.Capacity, run.Kind);
        Assert.Equal("""{ "schema": "fleet.scenario/v1" }""", run.ScenarioJson);
        Assert.True(run.Capacity!.SurviveDatacenterLoss);
        Assert.True(run.Capacity.Spares);
        Assert.Equal(0.99, run.Capacity.TargetAttainment);
        cut.WaitForElement("[data-testid='plan-run-progress']");
    }

    [Fact]
    public void Render_Viewer_ReadsButCannotRun()
    {
        var cut = RenderAs(Roles.Viewer);
        cut.Find("[data-testid='scenario-build']").Click();

        cut.WaitForElement("[data-testid='run-readonly']");
        Assert.Empty(cut.FindAll("[data-testid='run-capacity']"));
    }
}

/// <summary>The form over the real planning service and database: the fields typed are in the scenario JSON it shows, the fleet is the inventory.</summary>
public sealed class PlannerPageScenarioJsonTests : ComponentTestContext
{
    [Fact]
    public async Task Build_FieldsTyped_AreInTheShownScenarioJsonOverTheInventory()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("procurement@fleet.local");
        auth.SetRoles(Roles.Procurement);
        await using (var db = CreateDbContext())
        {
            var h100 = await db.GpuModels.SingleAsync(m => m.Name == "H100 SXM5 80GB");
            var dc = new Fleet.Domain.Inventory.Datacenter { Code = "IAD1", Name = "Ashburn", ElectricityPricePerKwh = 0.1m };
            db.Datacenters.Add(dc);
            await db.SaveChangesAsync();
            for (var i = 0; i < 3; i++)
            {
                db.Gpus.Add(new Fleet.Domain.Inventory.Gpu(Fleet.Domain.Lifecycle.GpuStatus.InService) { Serial = "J-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), GpuModelId = h100.Id, DatacenterId = dc.Id, ReceivedAt = DateTime.UtcNow });
            }

            db.Gpus.Add(new Fleet.Domain.Inventory.Gpu(Fleet.Domain.Lifecycle.GpuStatus.Received) { Serial = "J-received", GpuModelId = h100.Id, DatacenterId = dc.Id, ReceivedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var cut = Render<PlannerPage>();
        cut.WaitForElement("[data-testid='fleet-inventory'] tbody tr");
        void Type(string id, string value) => cut.Find($"input[data-testid='{id}'], [data-testid='{id}'] input").Change(value);
        Type("f-rate", "42.5");
        Type("f-maxbatch", "48");
        Type("f-tpot", "0.05");
        Type("f-duration", "120");
        cut.Find("[data-testid='scenario-build']").Click();

        var textarea = cut.WaitForElement("textarea[data-testid='scenario-json'], [data-testid='scenario-json'] textarea");
        var json = textarea.GetAttribute("value") ?? textarea.TextContent;
        var scenario = Fleet.Planning.Scenarios.ScenarioParser.Parse(json);
        Assert.Equal(42.5, Assert.IsType<Fleet.Planning.Scenarios.PoissonArrival>(scenario.Workload.Arrival).RatePerSecond);
        Assert.Equal(48, scenario.Scheduler.MaxBatch);
        Assert.Equal(0.05, scenario.Slo.TpotSeconds);
        Assert.Equal(120, scenario.DurationSeconds);
        var pool = Assert.Single(scenario.Fleet);
        Assert.Equal(("IAD1", "H100 SXM5 80GB", 3), (pool.Datacenter, pool.GpuModel.Name, pool.Gpus));
    }
}
