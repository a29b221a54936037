using System.CommandLine;
using System.Globalization;
using Fleet.Domain.Models;
using Fleet.Inference.Profiling;
using Spectre.Console;

namespace Fleet.Cli.Infer;

/// <summary>`fleet infer profile`: measures a preset and writes a PerformanceProfile (fleet.inference-profile/v1) for the planner.</summary>
public static class InferProfileCommand
{
    /// <summary>The CPU engine runs a batch as consecutive sequences; larger batches only multiply the time.</summary>
    public const int CpuMaxBatch = 16;

    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model preset (e.g. stories-15m, llama-3.1-8b).", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "Weight type: f32 (cpu), bf16 or f16 (gpu). Default: f32 on cpu, bf16 on gpu." };
        var batch = new Option<string>("--batch") { Description = "Decode batch sizes, comma-separated.", DefaultValueFactory = _ => "1,8,32,128" };
        var context = new Option<string>("--context") { Description = "Context lengths, comma-separated.", DefaultValueFactory = _ => "512,2048" };
        var device = new Option<string>("--device") { Description = "cpu or gpu.", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "gpu");
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per point (median kept).", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => 1 };
        var json = JsonOutput.CreateOption();
        var report = new Option<string?>("--report") { Description = "Upload the profile to the Fleet server at URL (POST /api/profiles) after checking it.", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "API token for --report (default: $FLEET_TOKEN).", HelpName = "TOKEN" };
        var cmd = new Command("profile", "Measure prefill and decode of a preset, fit the planner's time models, write a performance profile.");
        foreach (var o in new Option[] { preset, dtype, batch, context, device, threads, repeats, seed, json, report, token })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var name = r.GetValue(preset)!;
            var shape = ModelPresets.Find(name)
                ?? throw new ArgumentException($"--preset: unknown preset '{name}'. Known: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}.");
            var dev = r.GetValue(device)!;
            var type = (r.GetValue(dtype) ?? (dev == "cpu" ? "f32" : "bf16")).ToLowerInvariant();
            var batches = ParseList(r.GetValue(batch)!, "--batch");
            var contexts = ParseList(r.GetValue(context)!, "--context");
            var reps = r.GetValue(repeats);
            if (reps is < 1 or > 50)
            {
                throw new ArgumentException($"--repeats must be in [1, 50], got {reps}.");
            }

            var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            var progress = new ImmediateProgress(m => err.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
            IProfileTarget target;
            if (dev == "cpu")
            {
                if (type != "f32")
                {
                    throw new ArgumentException($"--dtype {type}: the CPU engine computes in float32 only (use --dtype f32 or --device gpu).");
                }

                var skipped = batches.Where(b => b > CpuMaxBatch).ToList();
                if (skipped.Count > 0)
                {
                    progress.Report($"cpu: batches {string.Join(",", skipped)} skipped (the CPU engine decodes sequences one after another; cap {CpuMaxBatch})");
                    batches = [.. batches.Where(b => b <= CpuMaxBatch)];
                    if (batches.Count == 0)
                    {
                        batches = [1];
                    }
                }

                target = new CpuProfileTarget(shape, contexts.Max(), r.GetValue(threads), new Random(r.GetValue(seed)), TimeProvider.System);
            }
            else
            {
                target = InferDevices.CreateGpuProfileTarget(shape, type, contexts.Max(), r.GetValue(seed), progress);
            }

            PerformanceProfile profile;
            using (target)
            {
                profile = new InferenceProfiler(TimeProvider.System).Run(target, shape, new ProfileRequest(type, batches, contexts, reps), progress, ct);
            }

            var jsonTarget = JsonOutput.Target(r, json);
            await JsonOutput.WriteAsync(jsonTarget, profile, ct);
            if (jsonTarget != "-")
            {
                WriteSummary(profile);
            }

            if (r.GetValue(report) is { } server)
            {
                var problem = await ProfileReporter.ReportAsync(System.Text.Json.JsonSerializer.Serialize(profile, JsonOutput.Options), server,
                    r.GetValue(token) ?? Environment.GetEnvironmentVariable("FLEET_TOKEN"), null, ct);
                if (problem is not null)
                {
                    await Console.Error.WriteLineAsync($"fleet: {problem}");
                    return ExitCodes.CouldNotRun;
                }

                err.MarkupLine($"[grey]profile stored on {Markup.Escape(server)}[/]");
            }

            return ExitCodes.Pass;
        });
        return cmd;
    }

    internal static List<int> ParseList(string text, string option)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v <= 0)
            {
                throw new ArgumentException($"{option}: '{part}' is not a positive integer (expected a list like 1,8,32).");
            }

            values.Add(v);
        }

        if (values.Count == 0)
        {
            throw new ArgumentException($"{option}: expected at least one value.");
        }

        return values;
    }

    private static void WriteSummary(PerformanceProfile p)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{p.Model} {p.Dtype} on {p.Device} ({p.GpuModel})"));
        Console.WriteLine(string.Create(inv, $"ceilings: {p.Ceilings.BandwidthBytesPerSecond / 1e9:F1} GB/s, {p.Ceilings.MatmulFlopsPerSecond / 1e12:F3} TFLOP/s"));
        Console.WriteLine(string.Create(inv, $"prefill: t = {p.Prefill.A:E3} + {p.Prefill.B:E3}·ΣL + {p.Prefill.C:E3}·ΣL² s; MFU {p.PrefillMfu:P1} at L={p.PrefillPoints.Max(x => x.PromptTokens)}"));
        Console.WriteLine(string.Create(inv, $"decode:  t = {p.Decode.A:E3} + {p.Decode.B:E3}·Σctx + {p.Decode.C:E3}·B s; MBU {p.DecodeMbu:P1} at batch 1"));
        foreach (var d in p.DecodePoints)
        {
            Console.WriteLine(string.Create(inv, $"  decode B={d.Batch,4} ctx={d.Context,6}: {d.Seconds * 1e3,9:F2} ms/step  {d.Batch / d.Seconds,9:F1} tok/s"));
        }

        Console.WriteLine(string.Create(inv, $"memory: weights {p.Memory.WeightBytes / 1e9:F2} GB, KV {p.Memory.KvBytesPerToken} B/token, largest batch: {string.Join(", ", p.Memory.MaxBatch.Select(m => $"{m.MaxBatch} at ctx {m.Context}"))}"));
    }

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class ImmediateProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
