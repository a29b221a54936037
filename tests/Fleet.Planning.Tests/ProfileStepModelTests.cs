using System.Text.Json;
using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Validation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

/// <summary>The profile's decode step per batch size, and the per-request overhead, as the simulator costs them (issue 15).</summary>
public class ProfileStepModelTests
{
    /// <summary>A profile measured at <paramref name="batches"/>, each at contexts 24 and 108, taking <paramref name="ms"/> at both.</summary>
    private static PerformanceProfile Measured(int[] batches, double[] ms, double prefillSeconds = 0.010, double? overhead = null)
    {
        var points = batches.SelectMany((b, i) => new[] { new DecodePoint(b, 24, ms[i] / 1e3), new DecodePoint(b, 108, ms[i] / 1e3) }).ToList();
        return new PerformanceProfile
        {
            GpuModel = "server",
            Model = "stories-15m",
            Dtype = "fp32",
            Ceilings = new ProfileCeilings(0, 0),
            Prefill = new QuadraticFit(prefillSeconds, 0, 0),
            // The one fit such a profile also carries; deliberately wrong, so a test sees which one is used.
            Decode = new DecodeFit(0.001, 0, 0.001),
            Memory = new ProfileMemory(0, 0, 0, []),
            DecodePoints = points,
            DecodeByBatch = DecodeCurve.Fit(points),
            RequestOverheadSeconds = overhead,
        };
    }

    private static double Decode(PerformanceProfile profile, int batch, long totalContext) =>
        new ProfileStepModel(new ProfilePerformance("test", profile)).StepSeconds(new StepShape(0, 0, batch, totalContext));

    [Fact]
    public void StepSeconds_MeasuredBatchSizes_GivesTheMeasuredTimesBack()
    {
        var profile = Measured([1, 2, 4, 8], [4, 8, 8, 8]);

        Assert.Equal(0.004, Decode(profile, 1, 24), 12);
        Assert.Equal(0.008, Decode(profile, 2, 2 * 24), 12);
        Assert.Equal(0.008, Decode(profile, 4, 4 * 108), 12);
        Assert.Equal(0.008, Decode(profile, 8, 8 * 60), 12);
    }

    [Fact]
    public void StepSeconds_BetweenMeasuredBatchSizes_InterpolatesLinearlyInTheBatch()
    {
        var flat = Measured([1, 2, 4, 8], [4, 8, 8, 8]);
        var rising = Measured([1, 2, 4, 8], [4, 6, 10, 18]);

        Assert.Equal(0.008, Decode(flat, 3, 3 * 50), 12);
        Assert.Equal(0.008, Decode(flat, 6, 6 * 50), 12);
        // 3 is half-way from 2 (6 ms) to 4 (10 ms); 6 is half-way from 4 (10 ms) to 8 (18 ms).
        Assert.Equal(0.008, Decode(rising, 3, 3 * 50), 12);
        Assert.Equal(0.014, Decode(rising, 6, 6 * 50), 12);
        Assert.Equal(0.016, Decode(rising, 7, 7 * 50), 12);
    }

    [Fact]
    public void StepSeconds_BeyondTheLargestBatch_ExtrapolatesTheLastSlopeNeverBelowTheLastTime()
    {
        var flat = Measured([1, 2, 4, 8], [4, 8, 8, 8]);
        var rising = Measured([1, 2, 4, 8], [4, 6, 10, 18]);
        var dipping = Measured([1, 2, 4, 8], [4, 8, 8, 7.5]);

        Assert.Equal(0.008, Decode(flat, 16, 16 * 50), 12);
        // 2 ms per sequence from 4 to 8: 18 + 4 × 2.
        Assert.Equal(0.026, Decode(rising, 12, 12 * 50), 12);
        // The last pair falls (noise): beyond 8 the time stays at 8's 7.5 ms.
        Assert.Equal(0.0075, Decode(dipping, 16, 16 * 50), 12);
        Assert.Equal(0.0075, Decode(dipping, 8, 8 * 50), 12);
    }

    [Fact]
    public void StepSeconds_OneBatchAtTwoContexts_IsTheLineThroughThemInTotalContext()
    {
        // Batch 2: 8 ms at context 24 (Σctx 48), 9.68 ms at context 108 (Σctx 216): 1.68 ms over 168 tokens = 10 µs a token.
        var points = new List<DecodePoint> { new(2, 24, 0.008), new(2, 108, 0.00968) };
        var profile = Measured([1], [4]) with { DecodePoints = points, DecodeByBatch = DecodeCurve.Fit(points) };

        Assert.Equal(0.008 + (84 * 1e-5), Decode(profile, 2, 2 * 66), 12);
        Assert.Equal(0.008 + (352 * 1e-5), Decode(profile, 2, 400), 12);
        // Below the smallest measured batch, the smallest's line.
        Assert.Equal(0.008 + (84 * 1e-5), Decode(profile, 1, 132), 12);
    }

    [Fact]
    public void StepSeconds_ProfileWithoutPerBatchFits_KeepsTheOneFit()
    {
        // A profile as written before decodeByBatch existed (the shape of benchmarks/replay/results-quiet).
        const string json = """
            { "schema": "fleet.inference-profile/v1", "gpuModel": "server", "model": "stories-15m", "dtype": "fp32",
              "ceilings": { "bandwidthBytesPerSecond": 0, "matmulFlopsPerSecond": 0 },
              "prefill": { "a": 0.0074, "b": 8.8e-5, "c": 1.9e-6 },
              "decode": { "a": 0.005, "b": 4e-6, "c": 4e-4 },
              "memory": { "deviceMemoryBytes": 0, "weightBytes": 0, "kvBytesPerToken": 0, "maxBatch": [] },
              "decodePoints": [ { "batch": 1, "context": 24, "seconds": 0.00405 }, { "batch": 2, "context": 24, "seconds": 0.00796 } ] }
            """;
        var profile = JsonSerializer.Deserialize<PerformanceProfile>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        // 0.005 + 4e-6 × 400 + 4e-4 × 4 = 8.2 ms; 0.005 + 4e-6 × 48 + 4e-4 × 2 = 5.992 ms (not the 7.96 ms measured).
        Assert.Equal(0.0082, Decode(profile, 4, 400), 12);
        Assert.Equal(0.005992, Decode(profile, 2, 48), 12);
        Assert.Equal(0.0082, profile.DecodeSeconds(400, 4), 12);
        Assert.Null(profile.RequestOverheadSeconds);
    }

    [Fact]
    public void Seconds_PerBatchCurveAcrossItsKink_EqualsTheSumOfSteps()
    {
        // Beyond batch 8 the per-sequence slope (2 ms − 0.2 µs·Σctx) / 7 turns negative at Σctx = 10,000: the run at batch 16
        // crosses that kink, where the extrapolation becomes flat. The closed form must still equal the step-by-step sum.
        var profile = Measured([1], [4]) with
        {
            DecodeByBatch = [new BatchDecodeFit(1, 0.006, 3e-7), new BatchDecodeFit(8, 0.008, 1e-7)],
        };
        var model = new ProfileStepModel(new ProfilePerformance("test", profile));
        var floor = RooflineStepModel.Floor(new ModelSpec(ModelPresets.Llama32_1B, "bf16"), TestScenarios.H100, 1);
        var run = new DecodeRun(model, floor);
        const int batch = 16;
        const long context = 4000, steps = 1000;
        var expected = 0.0;
        for (long k = 0; k < steps; k++)
        {
            expected += model.StepSeconds(new StepShape(0, 0, batch, context + (k * batch)));
        }

        var seconds = run.Seconds(batch, context, steps, out var clamped);

        Assert.Equal(0, clamped);
        Assert.InRange(seconds, expected * (1 - 1e-9), expected * (1 + 1e-9));
    }

    [Fact]
    public void Run_OneRequestWithRequestOverhead_AddsItToTtftAndE2eOnly()
    {
        // One request at t = 0, 10-token prompt, 5 output tokens. Prefill step: 10 ms (flat), first token at 10 ms;
        // four decode steps at batch 1 of 4 ms each end at 26 ms. The client sees both 12 ms later:
        // TTFT 22 ms, e2e 38 ms, TPOT (38 − 22) / 4 = 4 ms.
        var profile = Measured([1, 2, 4, 8], [4, 8, 8, 8], prefillSeconds: 0.010, overhead: 0.012);
        var scenario = ServerValidation.ForServer(TestScenarios.Queue(1, 1, new FixedTokens(5), 0.001, 10, RoutingPolicy.RoundRobin, maxBatch: 8), profile, "test");
        var requests = new RequestSet([0.0], [10], [5]);

        var result = new Simulator().Run(scenario, requests);

        Assert.Equal(0.012, Assert.IsType<ProfilePerformance>(scenario.Performance).RequestOverheadSeconds);
        Assert.Equal(1, result.Completed);
        Assert.Equal(0.022, result.Ttft.P50, 9);
        Assert.Equal(0.038, result.E2e.P50, 9);
        Assert.Equal(0.004, result.Tpot.P50, 9);
    }

    [Fact]
    public void Run_SecondRequestJoinsOnTheFourEightEightEightProfile_DecodesAtTheMeasuredBatchTwoTime()
    {
        // A at 0 and B at 5 ms, 10-token prompts, 3 output tokens each, no overhead. A's prefill 0–10 ms (first token);
        // B, queued meanwhile, is prefilled 10–20 ms (A's decode waits); then two decode steps at batch 2 of the measured
        // 8 ms (the one fit would say 3 ms): 20–28, 28–36 ms, and both finish at 36 ms.
        var profile = Measured([1, 2, 4, 8], [4, 8, 8, 8], prefillSeconds: 0.010);
        var scenario = ServerValidation.ForServer(TestScenarios.Queue(1, 1, new FixedTokens(3), 0.001, 10, RoutingPolicy.RoundRobin, maxBatch: 8), profile, "test");

        var result = new Simulator { RecordRequests = true }.Run(scenario, new RequestSet([0.0, 0.005], [10, 10], [3, 3]));

        var r = result.Records!;
        Assert.Equal(2, result.Completed);
        Assert.Equal(0.010, r.FirstToken[0], 9);
        Assert.Equal(0.020, r.FirstToken[1], 9);
        Assert.Equal(0.036, r.Finished[0], 9);
        Assert.Equal(0.036, r.Finished[1], 9);
    }

    [Fact]
    public void CapacityRequestsPerSecond_PerBatchProfile_UsesTheMeasuredStepAtThatBatch()
    {
        // Batch 8, prompt 10, output 11: one prefill (10 ms) + 10 decode steps at 8 ms = 90 ms per 8 requests.
        var profile = Measured([1, 2, 4, 8], [4, 8, 8, 8], prefillSeconds: 0.010);

        Assert.Equal(8 / 0.090, ServerValidation.CapacityRequestsPerSecond(profile, 8, 10, 11), 9);
    }
}
