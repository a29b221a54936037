using System.Globalization;
using Fleet.Domain.Models;
using Fleet.Inference.Profiling;
using Fleet.Planning.Workload;

namespace Fleet.Cli.Plan.Replay;

/// <summary>
/// Profiles a served engine from outside, through its completions API, into the simulator's step-time model: prefill time
/// against prompt length from lone one-output-token requests, timed by the engine's own step time in <c>/metrics</c>
/// (the rest of their TTFT is <see cref="PerformanceProfile.RequestOverheadSeconds"/>) or, for a server without it, by
/// the TTFT (the overhead then folds into the prefill constant); decode step time against batch and context from the
/// median inter-token gap of B requests sent together. Fitted by the profiler's own least squares
/// (<see cref="InferenceProfiler.FitPrefill"/>, <see cref="InferenceProfiler.FitDecode"/>) and per batch size
/// (<see cref="DecodeCurve.Fit"/>).
/// </summary>
public sealed class ServerProfiler(OpenAiLoadGenerator generator)
{
    /// <summary>Decode tokens per profiling request; the context stated for a point is the prompt plus half of them.</summary>
    public const int DecodeTokens = 24;

    /// <summary>Times each decode point is measured (in rounds over all points); the median is kept.</summary>
    public const int DecodeRounds = 5;

    /// <summary>Lone requests timed per prompt length (in rounds over the lengths); the median is kept.</summary>
    public const int PrefillRounds = 5;

    /// <summary>Profiles prompts up to <paramref name="longestPrompt"/> (the workload's longest, so a slow server is not timed far outside what it will serve).</summary>
    public async Task<PerformanceProfile> ProfileAsync(
        string servedModel, ModelShape shape, string dtype, int maxBatch, int longestPrompt, IProgress<string>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var options = new LoadGeneratorOptions(servedModel);
        var longest = Math.Max(8, Math.Min(Math.Min(512, longestPrompt), shape.MaxContext - DecodeTokens - 1));
        var lengths = new[] { longest / 8, longest / 4, longest / 2, longest }.Where(l => l >= 1).Distinct().ToList();

        var batches = new[] { 1, 2, 4, 8, 16 }.Where(b => b <= maxBatch).ToList();
        var contexts = new[] { Math.Max(1, longest / 8), longest }.Distinct().ToList();

        // Warm-up: the first requests pay for JIT (tiered compilation recompiles a hot loop only after many calls) and
        // allocation, so the largest batch at the longest prompt and a lone sequence each decode a full profiling request.
        await generator.RunAsync(Together(batches[^1], longest, DecodeTokens), options, null, ct);
        await generator.RunAsync(Together(1, longest, DecodeTokens), options, null, ct);

        // Lone one-output-token requests: the client's TTFT, and the engine's own time for the one step each ran where
        // the server reports its step times. A 1-token prompt is nearly all overhead.
        var timed = lengths.Prepend(1).Distinct().Select(l => (Length: l, Ttft: new List<double>(), Engine: new List<double>())).ToList();
        var overheads = new List<double>();
        for (var k = 0; k < PrefillRounds; k++)
        {
            foreach (var (length, ttft, engine) in timed)
            {
                var before = await generator.EngineStepSecondsAsync(ct);
                var r = (await generator.RunAsync(Together(1, length, 1), options, null, ct))[0];
                var first = Check(r).FirstToken - r.Sent;
                ttft.Add(first);
                if (before is { } b && await generator.EngineStepSecondsAsync(ct) is { } a && a.Steps - b.Steps == 1)
                {
                    engine.Add(a.Seconds - b.Seconds);
                    overheads.Add(first - (a.Seconds - b.Seconds));
                }
            }
        }

        // Engine time where every length has it (then the rest of the TTFT is the request overhead), else the TTFT
        // itself, with the overhead folded into the prefill constant, as a client sees it.
        var metered = timed.All(t => t.Engine.Count > 0);
        var prefill = new List<PrefillPoint>();
        foreach (var (length, ttft, engine) in timed)
        {
            var seconds = Median(metered ? engine : ttft);
            prefill.Add(new PrefillPoint(1, length, seconds));
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"prefill L={length}: {(metered ? "engine step" : "TTFT")} {seconds * 1e3:F2} ms"));
        }

        double? overhead = metered ? Math.Max(0, Median(overheads)) : null;
        progress?.Report(overhead is { } o
            ? string.Create(CultureInfo.InvariantCulture, $"request overhead (TTFT minus the engine's step): {o * 1e3:F2} ms")
            : "the server reports no fleet_serve_step_seconds in /metrics: request overhead not measured (it stays in the prefill constant)");

        // Decode: every (context, batch) point measured once per round, DecodeRounds rounds, and the median of its rounds
        // kept, so a burst of load on the machine falls on one round of each point rather than on every round of one.
        var rounds = contexts.SelectMany(c => batches.Select(b => (Context: c, Batch: b, Medians: new List<double>()))).ToList();
        for (var round = 0; round < DecodeRounds; round++)
        {
            foreach (var (context, batch, medians) in rounds)
            {
                var gaps = new List<double>();
                foreach (var r in await generator.RunAsync(Together(batch, context, DecodeTokens), options, null, ct))
                {
                    var times = Check(r).TokenTimes;
                    for (var k = 2; k < times.Count; k++)
                    {
                        gaps.Add(times[k] - times[k - 1]);
                    }
                }

                medians.Add(Median(gaps));
            }
        }

        var decode = new List<DecodePoint>();
        foreach (var (context, batch, medians) in rounds)
        {
            var seconds = Median([.. medians]);
            decode.Add(new DecodePoint(batch, context + (DecodeTokens / 2), seconds));
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"decode B={batch} ctx={context + (DecodeTokens / 2)}: {seconds * 1e3:F2} ms/step (rounds {string.Join(" / ", medians.Select(m => (m * 1e3).ToString("F2", CultureInfo.InvariantCulture)))})"));
        }

        return new PerformanceProfile
        {
            GpuModel = "server",
            Device = servedModel,
            Model = shape.Name,
            Dtype = dtype,
            MeasuredAtUtc = DateTime.UtcNow,
            ToolVersion = "fleet plan validate (through the server)",
            Ceilings = new ProfileCeilings(0, 0),
            Prefill = InferenceProfiler.FitPrefill(prefill),
            Decode = InferenceProfiler.FitDecode(decode),
            DecodeByBatch = DecodeCurve.Fit(decode),
            RequestOverheadSeconds = overhead,
            Memory = new ProfileMemory(0, 0, 0, []),
            PrefillPoints = prefill,
            DecodePoints = decode,
        };
    }

    private static RequestSet Together(int count, int prompt, int output) =>
        new(new double[count], Enumerable.Repeat(prompt, count).ToArray(), Enumerable.Repeat(output, count).ToArray());

    private static ReplayedRequest Check(ReplayedRequest r) => r.Completed
        ? r
        : throw new HttpRequestException($"profiling request (prompt {r.PromptTokens}, output {r.RequestedOutputTokens}) failed: {r.Error ?? "no tokens streamed"}");

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            throw new HttpRequestException("profiling: the server streamed too few tokens to time a decode step");
        }

        values.Sort();
        return values[values.Count / 2];
    }
}
