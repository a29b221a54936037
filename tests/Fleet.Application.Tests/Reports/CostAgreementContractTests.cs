using System.Text.Json;
using Fleet.Application.Finance;
using Fleet.Application.Procurement;
using Fleet.Application.Reports;
using Fleet.Application.Tests.Procurement;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Models;
using Fleet.Planning.Capacity;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;
using Fleet.Testing;

namespace Fleet.Application.Tests.Reports;

/// <summary>
/// The planner and finance price the same cards with one cost model: a capacity answer's cost per million tokens at
/// the operating point it served equals the cost-per-gpu-hour report's for those cards, that profile and that point.
/// </summary>
public abstract class CostAgreementContractTests(string provider)
{
    private const string H100 = "H100 SXM5 80GB";

    [SkippableFact]
    public async Task CostPerMillionTokens_CapacityAnswerAndFinanceReport_AgreeToTheCent()
    {
        var profileJson = ReportContractTests.ProfileJson(H100, [(1, 0.01), (8, 0.02)]);
        var profile = JsonSerializer.Deserialize<PerformanceProfile>(profileJson, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var gpu = GpuCatalog.Find(H100)!;
        var scenario = new Scenario
        {
            Name = "agreement",
            Seed = 7,
            DurationSeconds = 30,
            Model = new ModelSpec(ModelPresets.Llama31_8B, "bf16"),
            Fleet = [new FleetPool("IAD1", gpu, 1, 1)],
            Performance = new ProfilePerformance("stored", profile),
            Workload = new WorkloadSpec(new PoissonArrival(20), new FixedTokens(200), new FixedTokens(100)),
            Scheduler = new SchedulerSpec { MaxBatch = 32 },
            Slo = new SloSpec(1, 0.1, 99),
        };
        // IAD1 as the demo seeds it and ProcurementWorld has it: PUE 1.35, 0.08 USD per kWh; finance's policy: 36 months, no salvage.
        var answer = new CapacitySearch(new Simulator()).Find(scenario, new CapacityOptions
        {
            UnitPrice = 36_000m,
            Policy = new DepreciationTerms(36),
            CostMonth = new DateOnly(2024, 6, 1),
            DatacenterPower = new Dictionary<string, PowerTerms> { ["IAD1"] = new(1.35m, 0.08m, "USD") },
        });
        var point = answer.Cost.OperatingPoint!;
        Assert.NotNull(answer.Cost.CostPerMillionTokens);

        // The same cards bought and received in January (so June bears a full month's charge), the same profile uploaded.
        await using var world = await ProcurementWorld.CreateAsync(provider);
        await world.Finance.SetPolicyAsync(H100, new PolicyRequest(36, null, 0m), ProcurementWorld.Accountant);
        await world.SubmittedOrderAsync("PO-PLAN", "USD", "IAD1", new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc),
            new OrderLineRequest(H100, answer.Gpus, 36_000m, 36));
        var serials = string.Join("\n", Enumerable.Range(1, answer.Gpus).Select(i => $"P-{i}"));
        await world.Receiving.ReceiveAsync("PO-PLAN", new ReceiveRequest(serials, new DateTime(2024, 1, 10, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);
        await world.Finance.UploadProfileAsync(profileJson, ProcurementWorld.Tech);

        var t = await world.Reports.RunAsync(ReportService.CostPerGpuHour,
            new ReportQuery { AsOf = new DateOnly(2024, 6, 30), From = new DateOnly(2024, 6, 1), To = new DateOnly(2024, 6, 30), OperatingPoint = point });

        var row = Assert.Single(t.Rows);
        var finance = (decimal)row.Cells[t.IndexOf("cost_per_million_tokens")]!;
        Assert.Equal(Math.Round(answer.Cost.CostPerMillionTokens!.Value, 2), Math.Round(finance, 2));
        Assert.Equal(answer.Cost.CostPerMillionTokens, finance);
        Assert.Equal(answer.Cost.MonthlyOpex, (decimal)row.Cells[t.IndexOf("total_cost")]!);
        Assert.Equal(answer.Cost.CostPerGpuHour, (decimal)row.Cells[t.IndexOf("cost_per_gpu_hour")]!);
        // Sanity on the shared figures, by hand: each card bears 36,000 / 36 = 1,000 in June; capex 36,000 a card.
        Assert.Equal(answer.Gpus * 1_000m, (decimal)row.Cells[t.IndexOf("depreciation")]!);
        Assert.Equal(answer.Gpus * 36_000m, answer.Cost.Capex);
        var capex = await world.Reports.RunAsync(ReportService.Capex, new ReportQuery { AsOf = new DateOnly(2024, 6, 30) });
        Assert.Equal(answer.Cost.Capex, capex.Totals.Single(x => x.Currency == "USD").Amount);
    }
}

public sealed class SqliteCostAgreementTests() : CostAgreementContractTests(TestDatabase.Sqlite);

public sealed class PostgresCostAgreementTests() : CostAgreementContractTests(TestDatabase.Postgres);
