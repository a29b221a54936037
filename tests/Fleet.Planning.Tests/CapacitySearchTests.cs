using Fleet.Domain.Finance;
using Fleet.Planning.Capacity;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

public class CapacitySearchTests
{
    private static readonly CapacitySearch s_search = new(new Simulator());

    private static Scenario Demand(double rate, double ttft = 0.5) =>
        TestScenarios.Roofline(1, rate, 60) with { Slo = new SloSpec(ttft, 0.05, 99) };

    [Fact]
    public void Find_Answer_MeetsTargetAndOneReplicaFewerMisses()
    {
        var scenario = Demand(120);

        var result = s_search.Find(scenario, new CapacityOptions { TargetAttainment = 0.99 });

        Assert.True(result.Attainment >= 0.99);
        Assert.NotNull(result.AttainmentBelow);
        Assert.True(result.AttainmentBelow < 0.99);
        Assert.Equal(result.Gpus - 1, result.GpusBelow);
        // Re-simulate the answer independently of the search.
        var sized = CapacitySearch.Sized(scenario, scenario.Fleet[0], scenario.Datacenters, result.Replicas);
        Assert.Equal(result.Gpus, sized.Fleet.Sum(p => p.Gpus));
        Assert.True(new Simulator().Run(sized).SloAttainment >= 0.99);
        Assert.Contains(result.Probes, p => p.Gpus == result.Gpus && p.Meets);
        var n = new Simulator().Run(sized).Requests;
        Assert.Equal(Math.Sqrt(result.Attainment * (1 - result.Attainment) / n), result.AttainmentStandardError, 12);
    }

    [Fact]
    public void Find_RisingDemand_NeverNeedsFewerGpus()
    {
        var answers = new[] { 40.0, 80.0, 160.0, 320.0 }
            .Select(rate => s_search.Find(Demand(rate), new CapacityOptions()).Gpus)
            .ToList();

        for (var i = 1; i < answers.Count; i++)
        {
            Assert.True(answers[i] >= answers[i - 1], string.Join(", ", answers));
        }

        Assert.True(answers[^1] > answers[0] * 3, string.Join(", ", answers));
    }

    [Fact]
    public void Find_LooserSlo_NeverNeedsMoreGpus()
    {
        var tight = s_search.Find(Demand(200, ttft: 0.1), new CapacityOptions()).Gpus;
        var medium = s_search.Find(Demand(200, ttft: 0.5), new CapacityOptions()).Gpus;
        var loose = s_search.Find(Demand(200, ttft: 5), new CapacityOptions()).Gpus;
        var lowerTarget = s_search.Find(Demand(200, ttft: 0.1), new CapacityOptions { TargetAttainment = 0.5 }).Gpus;

        Assert.True(tight >= medium && medium >= loose, $"{tight}, {medium}, {loose}");
        Assert.True(lowerTarget <= tight);
    }

    [Fact]
    public void Find_TensorParallelTwo_AnswersInWholeReplicas()
    {
        var baseline = Demand(150);
        var scenario = baseline with { Fleet = [.. baseline.Fleet.Select(p => p with { Gpus = 2, TensorParallel = 2 })] };

        var result = s_search.Find(scenario, new CapacityOptions());

        Assert.Equal(2, result.TensorParallel);
        Assert.Equal(0, result.Gpus % 2);
        Assert.All(result.Probes, p => Assert.Equal(0, p.Gpus % 2));
        Assert.Equal(result.Gpus / 2, result.Replicas);
    }

    [Fact]
    public void Find_SurviveDatacenterLoss_MeetsTargetWithEitherDatacenterDown()
    {
        var scenario = Demand(150);

        var plain = s_search.Find(scenario, new CapacityOptions());
        var survive = s_search.Find(scenario, new CapacityOptions { SurviveDatacenterLoss = true });

        Assert.True(survive.Gpus >= plain.Gpus * 1.5, $"{survive.Gpus} vs {plain.Gpus}");
        Assert.Equal(2, survive.DatacenterLoss.Count);
        Assert.All(survive.DatacenterLoss, l => Assert.True(l.Attainment >= 0.99));
    }

    [Fact]
    public void Find_SingleDatacenterAskedToSurviveLoss_RefusesClearly()
    {
        var baseline = Demand(50);
        var scenario = baseline with { Fleet = [baseline.Fleet[0]] };

        var ex = Assert.Throws<PlanningInputException>(() => s_search.Find(scenario, new CapacityOptions { SurviveDatacenterLoss = true }));

        Assert.Contains("two datacenters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_Spares_AddsPoissonQuantileOfReplicasDown()
    {
        var scenario = Demand(100) with { Failures = new FailureSpec(0.01, 24) };

        var result = s_search.Find(scenario, new CapacityOptions { Spares = true });

        // Mean replicas down = GPUs × 0.01/day × 1 day; smallest k with Poisson CDF ≥ 0.999, summed here term by term.
        var mean = result.ServingGpus * 0.01;
        var k = 0;
        var term = Math.Exp(-mean);
        var cdf = term;
        while (cdf < 0.999)
        {
            k++;
            term *= mean / k;
            cdf += term;
        }

        Assert.Equal(k, result.SpareGpus);
        Assert.Equal(result.ServingGpus + result.SpareGpus, result.Gpus);
    }

    [Theory]
    [InlineData(0.5, 0, 0)]
    [InlineData(0.5, 0.99, 3)]
    [InlineData(0.5, 0.999, 4)]
    [InlineData(2.0, 0.999, 8)]
    public void SpareReplicas_KnownPoissonQuantiles_MatchTables(double meanDown, double quantile, int expected)
    {
        // mean = replicas × tp × rate × repair days; one replica of one GPU, repair 24 h, rate = meanDown per day.
        Assert.Equal(expected, CapacitySearch.SpareReplicas(1, 1, new FailureSpec(meanDown, 24), quantile));
    }

    [Fact]
    public void Find_Cost_IsCatalogPriceOverLifePlusPowerAtLoadOverCalendarHours()
    {
        var scenario = Demand(100) with { Cost = new CostSpec { LifeMonths = 48, SalvageFraction = 0.1m, Pue = 1.3m, PricePerKwh = 0.08m } };

        var result = s_search.Find(scenario, new CapacityOptions { CostMonth = new DateOnly(2026, 6, 1) });

        // H100 SXM: 30,000 USD, 700 W. Depreciation (30,000 − 3,000) / 48 = 562.50 a month over June's 720 h = 0.78125 an hour;
        // power 0.7 kW × 0.7 load × 1.3 × 0.08 = 0.05096 an hour (352.8 kWh × 1.3 × 0.08 = 36.6912 a month); 0.83221 → 0.8322.
        Assert.Equal(0.8322m, result.Cost.CostPerGpuHour);
        Assert.Equal(0.7812m, result.Cost.DepreciationPerGpuHour);
        Assert.Equal(result.Gpus * 30_000m, result.Cost.Capex);
        Assert.Equal((result.Gpus * 562.50m) + Math.Round(result.Gpus * 36.6912m, 2), result.Cost.MonthlyOpex);
        Assert.Equal(720.0, result.Cost.HoursInMonth);
        var perMillion = 0.83221 * result.Gpus / (result.Simulated.ThroughputTokensPerSecond * 3600 / 1e6);
        Assert.Equal(perMillion, (double)result.Cost.CostPerMillionOutputTokens!.Value, 3);
        Assert.Contains(result.Assumptions, a => a.Contains("48 months", StringComparison.Ordinal));
        Assert.Contains(result.Assumptions, a => a.Contains("720 calendar hours", StringComparison.Ordinal));
    }

    [Fact]
    public void Find_DatacenterPowerAndQuotedPrice_PriceEachDatacentersShare()
    {
        var scenario = Demand(100) with { Cost = new CostSpec { LifeMonths = 60 } };
        var power = new Dictionary<string, PowerTerms> { ["east"] = new(1.5m, 0.20m, "USD") };

        var result = s_search.Find(scenario, new CapacityOptions { CostMonth = new DateOnly(2026, 6, 1), UnitPrice = 24_000m, DatacenterPower = power });

        // The quote's 24,000 over 60 months = 400 a month; in east 352.8 kWh × 1.5 × 0.20 = 105.84 a card-month.
        Assert.Equal(result.Gpus * 24_000m, result.Cost.Capex);
        var east = result.Cost.Datacenters.Single(d => d.Datacenter == "east");
        Assert.Equal((1.5m, 0.20m), (east.Pue, east.PricePerKwh));
        Assert.Equal((east.Gpus * 400m) + Math.Round(east.Gpus * 105.84m, 2), east.MonthlyOpex);
    }

    [Fact]
    public void Find_ImpossibleSlo_ReportsUnreachable()
    {
        // Prefill of 500 tokens alone takes longer than a 1 ms TTFT.
        var scenario = Demand(50, ttft: 0.001);

        Assert.Throws<CapacityUnreachableException>(() => s_search.Find(scenario, new CapacityOptions { MaxGpus = 64 }));
    }
}
