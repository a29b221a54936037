using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Validation;

namespace Fleet.Planning.Tests;

/// <summary>The one serving summary simulate and replay share, the JSONL trace reader, and the validation comparison.</summary>
public sealed class ServingSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-summary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Compute_ThreeRequests_GivesHandComputedLatenciesRatesAndGoodput()
    {
        // TTFT 0.1, 0.2, 0.4 s; TPOT (finish - first) / (output - 1) = 0.02, 0.05, (one token: none); e2e 0.3, 0.7, 0.4.
        CompletedRequest[] done =
        [
            new(0.0, 0.1, 0.3, 10, 11),
            new(1.0, 1.2, 1.7, 20, 11),
            new(2.0, 2.4, 2.4, 30, 1),
        ];

        var s = ServingSummary.Compute(done, requests: 4, new SloSpec(0.25, 0.03, 50), makespanSeconds: 4);

        Assert.Equal(4, s.Requests);
        Assert.Equal(3, s.Completed);
        Assert.Equal(0.2, s.Ttft.P50, 12);
        Assert.Equal(0.2 + (0.8 * 0.2), s.Ttft.P90, 12);
        Assert.Equal(0.4, s.Ttft.Max, 12);
        Assert.Equal(2, s.Tpot.Count);
        Assert.Equal(0.035, s.Tpot.P50, 12);
        Assert.Equal(0.4, s.E2e.P50, 12);
        Assert.Equal(23.0 / 4, s.ThroughputTokensPerSecond, 12);
        Assert.Equal(60.0 / 4, s.PromptTokensPerSecond, 12);
        Assert.Equal(0.75, s.ThroughputRequestsPerSecond, 12);
        // Only the first meets TTFT <= 0.25 and TPOT <= 0.03; the fourth request never completed and counts as a miss.
        Assert.Equal(0.25, s.Goodput, 12);
        Assert.Equal(0.25, s.SloAttainment, 12);
        Assert.False(s.Slo.Met);
    }

    [Fact]
    public void Simulate_Result_CarriesTheSharedSummaryWithTheSameFigures()
    {
        var scenario = TestScenarios.Roofline(1, 5, 60);

        var r = new Simulator().Run(scenario);

        Assert.NotNull(r.Summary);
        Assert.Equal(r.Ttft, r.Summary.Ttft);
        Assert.Equal(r.Tpot, r.Summary.Tpot);
        Assert.Equal(r.Goodput, r.Summary.Goodput);
        Assert.Equal(r.Completed, r.Summary.Completed);
    }

    [Fact]
    public void Read_Jsonl_ShiftsTimesLikeTheCsv()
    {
        var path = Path.Combine(_dir, "t.jsonl");
        File.WriteAllText(path, """
            {"arrival_timestamp": 5.5, "prompt_tokens": 10, "output_tokens": 3}

            {"output_tokens": 4, "prompt_tokens": 20, "arrival_timestamp": 6}
            """);
        var errors = new List<string>();

        var entries = TraceReader.Read(path, "--trace", null, errors);

        Assert.Empty(errors);
        Assert.Equal([new TraceEntry(0, 10, 3), new TraceEntry(0.5, 20, 4)], entries);
    }

    [Fact]
    public void Read_JsonlWithBadLines_ReportsEachLineWithWhatIsWrong()
    {
        var path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(path, """
            {"arrival_timestamp": 1, "prompt_tokens": 10, "output_tokens": 3}
            {"arrival_timestamp": 2, "prompt_tokens": "10", "output_tokens": 3}
            {"arrival_timestamp": 3, "prompt_tokens": 10}
            {"arrival_timestamp": 4, "prompt_tokens": 10, "output_tokens": 3, "user": "x"}
            [1, 2, 3]
            {"arrival_timestamp": 0.5, "prompt_tokens": 10, "output_tokens": 3}
            {"arrival_timestamp": 6, "prompt_tokens": 1.5, "output_tokens": 3}
            not json
            """);
        var errors = new List<string>();

        var entries = TraceReader.Read(path, "--trace", null, errors);

        Assert.Null(entries);
        Assert.Equal(7, errors.Count);
        Assert.Equal("--trace: bad.jsonl line 2: prompt_tokens must be a number, got string \"10\"", errors[0]);
        Assert.Equal("--trace: bad.jsonl line 3: missing output_tokens", errors[1]);
        Assert.Equal("--trace: bad.jsonl line 4: unknown field 'user' (expected arrival_timestamp, prompt_tokens, output_tokens)", errors[2]);
        Assert.StartsWith("--trace: bad.jsonl line 5: expected a JSON object", errors[3], StringComparison.Ordinal);
        Assert.Equal("--trace: bad.jsonl line 6: arrival_timestamp 0.5 is earlier than the line before; the trace must be sorted", errors[4]);
        Assert.Equal("--trace: bad.jsonl line 7: prompt_tokens '1.5' is not an integer >= 1", errors[5]);
        Assert.StartsWith("--trace: bad.jsonl line 8: not a JSON object: ", errors[6], StringComparison.Ordinal);
    }

    [Fact]
    public void ForServer_FleetScenario_OneReplicaWithTheProfileAndNoFailures()
    {
        var scenario = TestScenarios.Roofline(4, 5, 60) with { Failures = new FailureSpec(1, 2) };
        var profile = new PerformanceProfile
        {
            GpuModel = "cpu",
            Model = scenario.Model.Shape.Name,
            Dtype = scenario.Model.Dtype,
            Ceilings = new ProfileCeilings(1e9, 1e9),
            Prefill = new QuadraticFit(0.01, 0, 0),
            Decode = new DecodeFit(0.02, 0, 0),
            Memory = new ProfileMemory(0, 0, 0, []),
        };

        var s = ServerValidation.ForServer(scenario, profile, "p.json", maxBatch: 4, kvCacheTokens: 4096);
        var r = new Simulator().Run(s);

        Assert.Equal(1, Assert.Single(s.Fleet).Replicas);
        Assert.Same(profile, Assert.IsType<ProfilePerformance>(s.Performance).Profile);
        Assert.Null(s.Failures);
        Assert.Equal(4, s.Scheduler.MaxBatch);
        Assert.Equal(4096, s.Scheduler.KvCacheTokens);
        Assert.Equal(scenario.Workload, s.Workload);
        Assert.Equal(0, r.Engine.StepsClampedToRoofline);
        Assert.Equal(1, r.Replicas);
    }

    [Fact]
    public void Compare_PredictedTenPercentLow_ErrorIsMinusTenPercentAndTheGateUsesP50AndP90Only()
    {
        static ServingSummary S(double p50, double p90, double p99, double throughput) => new()
        {
            Ttft = new LatencyStats(10, p50, p50, p90, p99, p99),
            Tpot = new LatencyStats(10, p50, p50, p90, p99, p99),
            E2e = new LatencyStats(10, p50, p50, p90, p99, p99),
            ThroughputTokensPerSecond = throughput,
            Slo = new SloReport(1, 1, 99, 0, 0, true),
        };

        var v = ValidationReport.Compare(S(0.9, 1.8, 10, 90), S(1, 2, 4, 100));

        Assert.Equal(-0.1, v.RelativeError.Ttft.P50, 12);
        Assert.Equal(-0.1, v.RelativeError.Tpot.P90, 12);
        Assert.Equal(1.5, v.RelativeError.E2e.P99, 12);
        Assert.Equal(-0.1, v.RelativeError.Throughput, 12);
        Assert.True(v.WithinTolerance(0.1000001));
        Assert.False(v.WithinTolerance(0.09));
    }
}
