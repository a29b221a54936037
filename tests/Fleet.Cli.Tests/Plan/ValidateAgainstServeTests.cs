using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fleet.Cli.Tests.Plan;

/// <summary>`fleet plan validate` end to end against the real `fleet infer serve` on a tiny model (stories-15m, random weights).</summary>
public sealed partial class ValidateAgainstServeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-validate-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"serving .* on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingLine();

    /// <summary>Starts `fleet infer serve` on a free port; returns the process and its URL once it listens.</summary>
    private static async Task<(Process Process, string Url)> StartServeAsync(params string[] args)
    {
        var process = FleetProcess.Start(FleetProcess.StartInfo(new[] { "infer", "serve", "--urls", "http://127.0.0.1:0" }.Concat(args)));
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                url.TrySetException(new InvalidOperationException("fleet infer serve exited: " + string.Join('\n', log)));
                return;
            }

            log.Enqueue(e.Data);
            if (ServingLine().Match(e.Data) is { Success: true } m)
            {
                url.TrySetResult(m.Groups[1].Value);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return (process, await url.Task.WaitAsync(TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public async Task Validate_TinyModelOnServe_ProfilesThroughTheServerAndPredictsWithinALooseTolerance()
    {
        var (serve, url) = await StartServeAsync("--preset", "stories-15m", "--max-batch", "4", "--threads", "1");
        try
        {
            var scenario = Path.Combine(_dir, "s.json");
            await File.WriteAllTextAsync(scenario, LoadGeneratorTests.Scenario("""{ "kind": "poisson", "ratePerSecond": 2 }""", 32, 16, 10)
                .Replace("\"maxBatch\": 8", "\"maxBatch\": 4", StringComparison.Ordinal));
            var json = Path.Combine(_dir, "v.json");
            var profile = Path.Combine(_dir, "profile.json");

            // Very loose: on the shared 2-core machine the server's step times change several-fold between profiling and
            // replay (benchmarks/README.md); this checks the whole path on the real server, the benchmark measures accuracy.
            var (code, _, stderr) = await ReplayCommandTests.FleetAsync("plan", "validate", "--server", url, "--scenario", scenario,
                "--tolerance", "3.0", "--json", json, "--save-profile", profile);

            Assert.True(code == 0, stderr);
            var doc = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
            var measured = doc["measured"]!;
            Assert.True(measured["ttft"]!["p50"]!.GetValue<double>() > 0);
            Assert.True(measured["tpot"]!["p50"]!.GetValue<double>() > 0);
            Assert.True(measured["throughput"]!.GetValue<double>() > 0);
            var saved = JsonNode.Parse(await File.ReadAllTextAsync(profile))!;
            Assert.Equal("fleet.inference-profile/v1", saved["schema"]!.GetValue<string>());
            Assert.NotEmpty(saved["decodePoints"]!.AsArray());
            Assert.NotEmpty(saved["prefillPoints"]!.AsArray());

            // Measured through the server's /metrics: the engine's own prefill step times, the rest of each TTFT as the
            // request overhead, and a decode line per batch size profiled (max batch 4: 1, 2, 4).
            Assert.InRange(saved["requestOverheadSeconds"]!.GetValue<double>(), 0, 1);
            Assert.Equal([1, 2, 4], saved["decodeByBatch"]!.AsArray().Select(f => f!["batch"]!.GetValue<int>()));
            Assert.Contains("request overhead (TTFT minus the engine's step)", stderr, StringComparison.Ordinal);
            Assert.Contains("server side: mean TTFT", stderr, StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
            serve.Dispose();
        }
    }
}
