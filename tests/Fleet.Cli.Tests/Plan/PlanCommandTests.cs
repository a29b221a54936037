using System.Diagnostics;
using System.Text.Json;

namespace Fleet.Cli.Tests.Plan;

/// <summary>Runs the built <c>fleet</c> executable on real scenario files, as a user would.</summary>
public sealed class PlanCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-plan-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Small = """
        {
          "schema": "fleet.scenario/v1",
          "name": "cli test",
          "seed": 3,
          "durationSeconds": 60,
          "model": { "preset": "llama-3.1-8b", "dtype": "bf16" },
          "fleet": [
            { "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 4, "tensorParallel": 2 },
            { "datacenter": "west", "gpuModel": "H100 SXM5 80GB", "gpus": 4, "tensorParallel": 2 }
          ],
          "performance": { "source": "roofline" },
          "workload": {
            "arrival": { "kind": "poisson", "ratePerSecond": 40 },
            "promptTokens": { "kind": "uniform", "min": 100, "max": 500 },
            "outputTokens": { "kind": "geometric", "mean": 60 }
          },
          "scheduler": { "maxBatch": 32, "routing": "least-outstanding" },
          "slo": { "ttftSeconds": 0.5, "tpotSeconds": 0.05, "percentile": 99 }
        }
        """;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> FleetAsync(params string[] args)
    {
        var run = await FleetProcess.RunAsync(args);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    [Fact]
    public async Task Simulate_Json_ReportsEveryHeadlineFigure()
    {
        var (code, stdout, stderr) = await FleetAsync("plan", "simulate", "--scenario", Write("s.json", Small), "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal("fleet.plan-simulation/v1", r.GetProperty("schema").GetString());
        Assert.Equal(r.GetProperty("requests").GetInt64(), r.GetProperty("completed").GetInt64() + r.GetProperty("dropped").GetInt64());
        Assert.InRange(r.GetProperty("requests").GetInt64(), 2000, 2800);
        foreach (var latency in new[] { "ttft", "tpot", "e2e", "wait" })
        {
            var l = r.GetProperty(latency);
            Assert.True(l.GetProperty("p50").GetDouble() <= l.GetProperty("p90").GetDouble());
            Assert.True(l.GetProperty("p90").GetDouble() <= l.GetProperty("p99").GetDouble());
            Assert.True(l.GetProperty("mean").GetDouble() > 0);
        }

        foreach (var figure in new[] { "waitProbability", "sloAttainment", "utilization" })
        {
            Assert.InRange(r.GetProperty(figure).GetDouble(), 0, 1);
        }

        Assert.True(r.GetProperty("throughputTokensPerSecond").GetDouble() > 0);
        Assert.True(r.GetProperty("goodput").GetDouble() <= r.GetProperty("throughputRequestsPerSecond").GetDouble() + 1e-9);
        var minute = r.GetProperty("perMinute")[0];
        Assert.True(minute.TryGetProperty("queueLength", out _) && minute.TryGetProperty("batchSize", out _) && minute.TryGetProperty("utilization", out _));
        Assert.False(r.TryGetProperty("records", out _));
        Assert.Contains("events/s", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_SameScenarioTwice_SameJson()
    {
        var path = Write("s.json", Small);

        var first = await FleetAsync("plan", "simulate", "--scenario", path, "--json", Path.Combine(_dir, "a.json"));
        var second = await FleetAsync("plan", "simulate", "--scenario", path, "--json", Path.Combine(_dir, "b.json"));

        Assert.Equal(0, first.Code);
        Assert.Equal(0, second.Code);
        Assert.Equal(string.Empty, first.Out);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a.json")), File.ReadAllText(Path.Combine(_dir, "b.json")));
    }

    [Fact]
    public async Task Simulate_WithoutJson_PrintsReadableSummary()
    {
        var (code, stdout, _) = await FleetAsync("plan", "simulate", "--scenario", Write("s.json", Small));

        Assert.Equal(0, code);
        Assert.Contains("TTFT", stdout, StringComparison.Ordinal);
        Assert.Contains("SLO attainment", stdout, StringComparison.Ordinal);
        Assert.Contains("Datacenter east", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("{", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_InvalidScenario_ListsEveryErrorWithPathAndExitsTwo()
    {
        var bad = Small.Replace("\"ratePerSecond\": 40", "\"ratePerSecond\": -40", StringComparison.Ordinal)
            .Replace("\"maxBatch\": 32", "\"maxBatch\": 32, \"turbo\": true", StringComparison.Ordinal);

        var (code, stdout, stderr) = await FleetAsync("plan", "simulate", "--scenario", Write("bad.json", bad));

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("$.workload.arrival.ratePerSecond: must be > 0", stderr, StringComparison.Ordinal);
        Assert.Contains("$.scheduler.turbo: unknown field", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_MissingFile_ExitsTwo()
    {
        var (code, _, stderr) = await FleetAsync("plan", "simulate", "--scenario", Path.Combine(_dir, "nope.json"));

        Assert.Equal(2, code);
        Assert.Contains("cannot read the scenario file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capacity_Json_AnswerInWholeReplicasWithCostAndAnalytic()
    {
        var busy = Small.Replace("\"ratePerSecond\": 40", "\"ratePerSecond\": 400", StringComparison.Ordinal);

        var (code, stdout, stderr) = await FleetAsync("plan", "capacity", "--scenario", Write("s.json", busy), "--target-attainment", "0.95", "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        var gpus = r.GetProperty("gpus").GetInt32();
        Assert.Equal(0, gpus % 2);
        Assert.True(gpus >= 4, $"400 requests/s should need several replicas, got {gpus} GPUs");
        Assert.Equal(gpus - 2, r.GetProperty("gpusBelow").GetInt32());
        Assert.True(r.GetProperty("attainment").GetDouble() >= 0.95);
        Assert.True(r.GetProperty("attainmentBelow").GetDouble() < 0.95);
        Assert.True(r.GetProperty("analytic").GetProperty("gpus").GetInt32() > 0);
        Assert.True(r.GetProperty("cost").GetProperty("costPerGpuHour").GetDecimal() > 0);
        Assert.True(r.GetProperty("cost").GetProperty("costPerMillionOutputTokens").GetDecimal() > 0);
        Assert.True(r.GetProperty("assumptions").GetArrayLength() >= 4);
        Assert.Contains("probe", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target-attainment", "1.5", "--target-attainment must be > 0 and <= 1")]
    [InlineData("--gpu-model", "H900", "unknown GPU model 'H900'")]
    [InlineData("--spares", null, "--spares needs a failure rate")]
    public async Task Capacity_BadOption_ExplainsAndExitsTwo(string option, string? value, string expected)
    {
        var args = new List<string> { "plan", "capacity", "--scenario", Write("s.json", Small), option };
        if (value is not null)
        {
            args.Add(value);
        }

        var (code, _, stderr) = await FleetAsync([.. args]);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capacity_SloOutOfReach_ExitsOne()
    {
        var impossible = Small.Replace("\"ttftSeconds\": 0.5", "\"ttftSeconds\": 0.0001", StringComparison.Ordinal);

        var (code, _, stderr) = await FleetAsync("plan", "capacity", "--scenario", Write("s.json", impossible));

        Assert.Equal(1, code);
        Assert.Contains("meets", stderr, StringComparison.Ordinal);
    }
}
