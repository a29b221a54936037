using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Benchmarks.Planning;

/// <summary>
/// The simulator at fleet scale: the shipped benchmark scenario (1,000,000 requests over 1,250 llama-3.1-8b replicas on
/// H100s at about 70 % load, continuous batching up to 64) and a tenth of it. Events per second = the run's event count
/// (printed at setup) divided by the mean time.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SimulatorBenchmarks
{
    private Scenario _scenario = null!;
    private RequestSet _requests = null!;

    [Params(100_000, 1_000_000)]
    public int Requests { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var full = ScenarioParser.Load(FindExample("benchmark-1m-requests.json"));
        var share = Requests / 1_000_000.0;
        // A tenth of the requests on a tenth of the replicas: same per-replica load, same duration.
        var rate = ((PoissonArrival)full.Workload.Arrival).RatePerSecond * share;
        _scenario = full with
        {
            Workload = full.Workload with { Arrival = new PoissonArrival(rate) },
            Fleet = [.. full.Fleet.Select(p => p with { Gpus = Math.Max(p.TensorParallel, (int)(p.Gpus * share)) })],
        };
        _requests = RequestGenerator.Generate(_scenario);
        var result = new Simulator().Run(_scenario, _requests);
        Console.WriteLine($"// {Requests} requests: {result.Requests} generated, {result.Engine.Events} events, {result.Engine.Steps} steps, utilization {result.Utilization:P1}, mean batch {result.MeanBatchSize:F1}");
    }

    /// <summary>Generation plus simulation, as <c>fleet plan simulate</c> does.</summary>
    [Benchmark]
    public long GenerateAndSimulate() => new Simulator().Run(_scenario).Engine.Events;

    /// <summary>Simulation alone on pre-drawn requests, as each capacity-search probe does.</summary>
    [Benchmark]
    public long SimulateOnly() => new Simulator().Run(_scenario, _requests).Engine.Events;

    private static string FindExample(string name)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "Fleet.Planning", "Examples", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"Cannot find src/Fleet.Planning/Examples/{name} above {AppContext.BaseDirectory}.");
    }
}
