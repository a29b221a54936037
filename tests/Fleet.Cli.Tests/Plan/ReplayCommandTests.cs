using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fleet.Cli.Tests.Plan;

/// <summary>`fleet plan replay` and `fleet plan validate` as a user runs them, against the in-test OpenAI-compatible server.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-replay-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    internal static async Task<(int Code, string Out, string Err)> FleetAsync(params string[] args)
    {
        var run = await FleetProcess.RunAsync(args);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    /// <summary>A profile whose fits say: prefill costs <paramref name="prefill"/> s whatever its length, a decode step <paramref name="decode"/> s.</summary>
    private string Profile(double prefill, double decode) => Write($"profile-{prefill}-{decode}.json", $$"""
        {
          "schema": "fleet.inference-profile/v1", "gpuModel": "stub", "model": "stories-15m", "dtype": "fp32",
          "ceilings": { "bandwidthBytesPerSecond": 0, "matmulFlopsPerSecond": 0 },
          "prefill": { "a": {{prefill}}, "b": 0, "c": 0 },
          "decode": { "a": {{decode}}, "b": 0, "c": 0 },
          "memory": { "deviceMemoryBytes": 0, "weightBytes": 0, "kvBytesPerToken": 0, "maxBatch": [] }
        }
        """);

    [Fact]
    public async Task Replay_JsonlTrace_PrintsTheSummaryAndWritesJson()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        var trace = Write("trace.jsonl", """
            {"arrival_timestamp": 10.0, "prompt_tokens": 12, "output_tokens": 5}
            {"arrival_timestamp": 10.1, "prompt_tokens": 20, "output_tokens": 3}
            {"arrival_timestamp": 10.3, "prompt_tokens": 8, "output_tokens": 6}
            """);
        var json = Path.Combine(_dir, "replay.json");

        var (code, stdout, stderr) = await FleetAsync("plan", "replay", "--server", server.Url, "--trace", trace, "--json", json);
        var text = await FleetAsync("plan", "replay", "--server", server.Url, "--trace", trace);

        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        Assert.Equal("fleet.plan-replay/v1", doc["schema"]!.GetValue<string>());
        Assert.Equal(3, doc["summary"]!["completed"]!.GetValue<int>());
        Assert.Equal(0, doc["failed"]!.GetValue<int>());
        Assert.True(doc["summary"]!["ttft"]!["p50"]!.GetValue<double>() >= 0.030);
        Assert.Equal(0, text.Code);
        Assert.Contains("TTFT", text.Out, StringComparison.Ordinal);
        Assert.Contains("Goodput", text.Out, StringComparison.Ordinal);
        Assert.Contains("ITL", text.Out, StringComparison.Ordinal);
        Assert.Equal([3, 3, 5, 5, 6, 6], server.Received.Select(r => r.Body["max_tokens"]!.GetValue<int>()).Order());
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Replay_BadTrace_ExitsTwoNamingTheLine()
    {
        var trace = Write("bad.jsonl", """
            {"arrival_timestamp": 0, "prompt_tokens": 12, "output_tokens": 5}
            {"arrival_timestamp": 1, "prompt_tokens": "many", "output_tokens": 5}
            """);

        var (code, _, stderr) = await FleetAsync("plan", "replay", "--server", "http://127.0.0.1:9", "--trace", trace);

        Assert.Equal(2, code);
        Assert.Contains("bad.jsonl line 2: prompt_tokens must be a number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ProfileMatchesTheServer_ExitsZeroWithTheIssuesJsonShape()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.FirstTokenDelay = TimeSpan.FromMilliseconds(30);
        server.TokenDelay = TimeSpan.FromMilliseconds(10);
        var scenario = Write("s.json", LoadGeneratorTests.Scenario("""{ "kind": "poisson", "ratePerSecond": 3 }""", 16, 12, 10));
        var json = Path.Combine(_dir, "validate.json");
        var svg = Path.Combine(_dir, "validate.svg");

        var (code, _, stderr) = await FleetAsync("plan", "validate", "--server", server.Url, "--scenario", scenario,
            "--profile", Profile(0.030, 0.010), "--tolerance", "1.0", "--json", json, "--svg", svg);

        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsObject();
        Assert.Equal(["measured", "predicted", "relativeError"], doc.Select(p => p.Key).Order());
        foreach (var part in new[] { "predicted", "measured", "relativeError" })
        {
            Assert.Equal(["e2e", "throughput", "tpot", "ttft"], doc[part]!.AsObject().Select(p => p.Key).Order());
            foreach (var latency in new[] { "ttft", "tpot", "e2e" })
            {
                Assert.Equal(["p50", "p90", "p99"], doc[part]![latency]!.AsObject().Select(p => p.Key).Order());
            }
        }

        var measuredTpot = doc["measured"]!["tpot"]!["p50"]!.GetValue<double>();
        var predictedTpot = doc["predicted"]!["tpot"]!["p50"]!.GetValue<double>();
        // The double never streams faster than its delay; the simulator, given the same figures, predicts ~ that delay (a
        // few prefills of later arrivals pause decodes). The tolerance is loose because the double does not batch and this
        // shared machine stretches its sleeps.
        Assert.InRange(measuredTpot, 0.010, 0.5);
        Assert.InRange(predictedTpot, 0.0099, 0.015);
        Assert.Equal((predictedTpot - measuredTpot) / measuredTpot, doc["relativeError"]!["tpot"]!["p50"]!.GetValue<double>(), 9);
        Assert.Contains("<polyline", await File.ReadAllTextAsync(svg), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ProfileFiveTimesTooFast_ExitsOneNamingTheFiguresOutside()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.FirstTokenDelay = TimeSpan.FromMilliseconds(30);
        server.TokenDelay = TimeSpan.FromMilliseconds(10);
        var scenario = Write("s.json", LoadGeneratorTests.Scenario("""{ "kind": "poisson", "ratePerSecond": 3 }""", 16, 12, 5));

        var (code, stdout, stderr) = await FleetAsync("plan", "validate", "--server", server.Url, "--scenario", scenario, "--profile", Profile(0.030, 0.002));

        Assert.True(code == 1, stderr);
        Assert.Contains("FAIL: ", stdout, StringComparison.Ordinal);
        Assert.Contains("tpot.p50", stdout, StringComparison.Ordinal);
    }
}
