using Fleet.Cli.Plan.Replay;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Cli.Tests.Plan;

/// <summary>The open-loop load generator against an in-test OpenAI-compatible server with known latencies.</summary>
public sealed class LoadGeneratorTests
{
    internal static string Scenario(string arrival, int prompt, int output, double duration, int seed = 5) => $$"""
        {
          "schema": "fleet.scenario/v1",
          "name": "replay test",
          "seed": {{seed}},
          "durationSeconds": {{duration}},
          "model": { "preset": "stories-15m", "dtype": "fp32" },
          "fleet": [ { "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 1 } ],
          "performance": { "source": "roofline" },
          "workload": {
            "arrival": {{arrival}},
            "promptTokens": { "kind": "fixed", "value": {{prompt}} },
            "outputTokens": { "kind": "fixed", "value": {{output}} }
          },
          "scheduler": { "maxBatch": 8 },
          "slo": { "ttftSeconds": 0.5, "tpotSeconds": 0.05, "percentile": 90 }
        }
        """;

    private static HttpClient Client(OpenAiServerDouble server) => new() { BaseAddress = new Uri(server.Url + "/"), Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task RunAsync_StreamingServer_RecordsEveryTokenAndTheStatedLatencies()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.FirstTokenDelay = TimeSpan.FromMilliseconds(40);
        server.TokenDelay = TimeSpan.FromMilliseconds(15);
        using var http = Client(server);
        var requests = new RequestSet([0, 0.05, 0.1, 0.15, 0.2, 0.25], [16, 16, 16, 32, 32, 32], [8, 8, 8, 4, 4, 4]);

        var measured = await new OpenAiLoadGenerator(http).RunAsync(requests, new LoadGeneratorOptions(), null);

        Assert.All(measured, r => Assert.Null(r.Error));
        Assert.Equal([8, 8, 8, 4, 4, 4], measured.Select(r => r.OutputTokens));
        Assert.Equal([8, 8, 8, 4, 4, 4], measured.Select(r => r.TokenTimes.Count));
        var summary = ReplayResult.From(server.Url, OpenAiServerDouble.ModelId, null, new SloSpec(1, 0.1), measured).Summary;
        Assert.Equal(6, summary.Completed);
        // Never faster than the server's own delays; the upper bounds leave room for a shared, overloaded machine.
        Assert.InRange(summary.Ttft.P50, 0.040, 1.0);
        Assert.InRange(summary.Tpot.P50, 0.005, 0.5);
        // A single gap has no lower bound on the client: a first chunk read late lets the next ones catch up (CI saw a
        // 13 ms median against the server's 15). The whole stream does: its last token cannot come before the server's
        // first-token delay plus a token delay per further token, less 1 ms a token (Task.Delay truncates to whole ms).
        Assert.All(measured, r => Assert.True(
            r.LastToken - r.Sent >= 0.040 + 0.015 * (r.OutputTokens - 1) - 0.001 * r.OutputTokens,
            $"request {r.Index} streamed {r.OutputTokens} tokens in {r.LastToken - r.Sent:F4} s"));

        var bodies = server.Received.Select(x => x.Body).ToList();
        Assert.Equal(6, bodies.Count);
        Assert.All(bodies, b =>
        {
            Assert.Equal(OpenAiServerDouble.ModelId, b["model"]!.GetValue<string>());
            Assert.True(b["stream"]!.GetValue<bool>());
            Assert.True(b["ignore_eos"]!.GetValue<bool>());
        });
        Assert.Equal([16, 16, 16, 32, 32, 32], bodies.Select(b => b["prompt"]!.AsArray().Count).Order());
        Assert.Equal([4, 4, 4, 8, 8, 8], bodies.Select(b => b["max_tokens"]!.GetValue<int>()).Order());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public async Task RunAsync_GammaArrivals_SendsAtTheScenarioRateAndBurstiness(double burstiness)
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.FirstTokenDelay = TimeSpan.FromMilliseconds(1);
        using var http = Client(server);
        const double Rate = 80;
        var scenario = ScenarioParser.Parse(Scenario($$"""{ "kind": "gamma", "ratePerSecond": {{Rate}}, "burstiness": {{burstiness}} }""", 4, 1, 8));
        var requests = RequestGenerator.Generate(scenario);

        var measured = await new OpenAiLoadGenerator(http).RunAsync(requests, new LoadGeneratorOptions(OpenAiServerDouble.ModelId), null);

        Assert.All(measured, r => Assert.Null(r.Error));
        // The schedule is the scenario's arrival process: ~640 gaps, the rate within 10 %, the squared coefficient of
        // variation (1 / burstiness for gamma gaps) within 30 %.
        Assert.Equal(requests.Arrivals, measured.Select(r => r.Scheduled));
        var gaps = requests.Arrivals.Zip(requests.Arrivals.Skip(1), (a, b) => b - a).ToList();
        var mean = gaps.Average();
        var cv2 = gaps.Select(g => (g - mean) * (g - mean)).Sum() / (gaps.Count - 1) / (mean * mean);
        Assert.InRange(1 / mean, Rate * 0.9, Rate * 1.1);
        Assert.InRange(cv2, 0.7 / burstiness, 1.3 / burstiness);
        // Open loop: nothing is sent before its time, and the sends keep the rate over the run (a send that is late on a
        // loaded machine is reported as send lag; it does not hold back the ones after it).
        Assert.All(measured, r => Assert.True(r.Sent >= r.Scheduled - 0.001, $"request {r.Index} sent {r.Sent - r.Scheduled:F4} s early"));
        var sent = measured.Select(r => r.Sent).Order().ToList();
        Assert.InRange((sent.Count - 1) / (sent[^1] - sent[0]), Rate * 0.85, Rate * 1.15);
    }

    [Fact]
    public async Task RunAsync_ClosingChunkWithoutAToken_IsNotCountedAsOne()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.SeparateFinishChunk = true;
        using var http = Client(server);

        var measured = await new OpenAiLoadGenerator(http).RunAsync(new RequestSet([0], [5], [4]), new LoadGeneratorOptions());

        Assert.Null(measured[0].Error);
        Assert.Equal(4, measured[0].OutputTokens);
        Assert.Equal(4, measured[0].TokenTimes.Count);
    }

    [Fact]
    public async Task RunAsync_ServerRefusesARequest_RecordsItsStatusAndMessageAndCountsItFailed()
    {
        await using var server = await OpenAiServerDouble.StartAsync();
        server.MaxPromptTokens = 20;
        using var http = Client(server);
        var requests = new RequestSet([0, 0.01], [10, 30], [3, 3]);

        var measured = await new OpenAiLoadGenerator(http).RunAsync(requests, new LoadGeneratorOptions(), null);
        var result = ReplayResult.From(server.Url, OpenAiServerDouble.ModelId, null, new SloSpec(1, 0.1), measured);

        Assert.Null(measured[0].Error);
        Assert.StartsWith("HTTP 400", measured[1].Error, StringComparison.Ordinal);
        Assert.Contains("prompt is too long", measured[1].Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Failed);
        Assert.Equal(1, result.Summary.Completed);
        Assert.Equal(0.5, result.Summary.SloAttainment);
    }
}
