using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fleet.Cli.Common;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Validation;
using Fleet.Planning.Workload;
using Spectre.Console;

namespace Fleet.Cli.Plan.Replay;

/// <summary>`fleet plan replay` (open-loop load against an OpenAI-compatible server) and `fleet plan validate` (simulator against that server).</summary>
public static class ReplayCommands
{
    private static readonly JsonSerializerOptions s_profileOptions = new(JsonSerializerDefaults.Web);

    private static Option<string> ServerOption() => new("--server")
    {
        Description = "Base URL of an OpenAI-compatible server (POST /v1/completions with stream and ignore_eos), e.g. http://127.0.0.1:8000.",
        Required = true,
        HelpName = "URL",
    };

    private static Option<string?> ModelOption() => new("--model")
    {
        Description = "The model field sent (default: the first one GET /v1/models lists).",
        HelpName = "NAME",
    };

    private static Option<double> TimeoutOption() => new("--request-timeout")
    {
        Description = "Seconds a request may take from send to [DONE].",
        DefaultValueFactory = _ => 600,
        HelpName = "SECONDS",
    };

    public static Command CreateReplay()
    {
        var server = ServerOption();
        var scenarioOption = new Option<string?>("--scenario") { Description = "Scenario whose workload (arrivals, lengths, seed) and SLO to replay.", HelpName = "FILE" };
        var traceOption = new Option<string?>("--trace") { Description = "Trace to replay: CSV arrival_timestamp,prompt_tokens,output_tokens or .jsonl with those names.", HelpName = "FILE" };
        var ttftSlo = new Option<double>("--slo-ttft") { Description = "TTFT SLO in seconds for goodput with --trace.", DefaultValueFactory = _ => 1.0, HelpName = "SECONDS" };
        var tpotSlo = new Option<double>("--slo-tpot") { Description = "TPOT SLO in seconds for goodput with --trace.", DefaultValueFactory = _ => 0.1, HelpName = "SECONDS" };
        var model = ModelOption();
        var timeout = TimeoutOption();
        var json = JsonOutput.CreateOption();
        var command = new Command("replay", "Drive a server with open-loop load (a scenario's Poisson/gamma arrivals or a trace) and report TTFT, TPOT, inter-token and end-to-end latency, throughput and goodput.");
        foreach (var o in new Option[] { server, scenarioOption, traceOption, ttftSlo, tpotSlo, model, timeout, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var scenarioPath = parse.GetValue(scenarioOption);
            var tracePath = parse.GetValue(traceOption);
            if ((scenarioPath is null) == (tracePath is null))
            {
                await Console.Error.WriteLineAsync("fleet: give exactly one of --scenario FILE or --trace FILE.");
                return ExitCodes.CouldNotRun;
            }

            Scenario? scenario = null;
            RequestSet requests;
            SloSpec slo;
            if (scenarioPath is not null)
            {
                scenario = await PlanCommands.LoadAsync(scenarioPath);
                if (scenario is null)
                {
                    return ExitCodes.CouldNotRun;
                }

                requests = RequestGenerator.Generate(scenario);
                slo = scenario.Slo;
            }
            else
            {
                var errors = new List<string>();
                var entries = TraceReader.Read(tracePath!, "--trace", null, errors);
                if (entries is null)
                {
                    await Console.Error.WriteLineAsync($"fleet: invalid trace {tracePath}:");
                    foreach (var e in errors)
                    {
                        await Console.Error.WriteLineAsync("  " + e);
                    }

                    return ExitCodes.CouldNotRun;
                }

                requests = new RequestSet([.. entries.Select(e => e.ArrivalSeconds)], [.. entries.Select(e => e.PromptTokens)], [.. entries.Select(e => e.OutputTokens)]);
                slo = new SloSpec(parse.GetValue(ttftSlo), parse.GetValue(tpotSlo));
            }

            var url = parse.GetValue(server)!;
            using var http = CreateClient(url);
            var generator = new OpenAiLoadGenerator(http);
            var stderr = StderrConsole.Create();
            string modelName;
            try
            {
                modelName = parse.GetValue(model) ?? await generator.FirstModelAsync(ct);
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"fleet: cannot reach the server at {url}: {ex.Message}");
                return ExitCodes.CouldNotRun;
            }

            stderr.MarkupLineInterpolated($"[grey]replaying {requests.Count:N0} requests against {url} (model {modelName})[/]");
            var measured = await generator.RunAsync(requests, new LoadGeneratorOptions(modelName, TimeSpan.FromSeconds(parse.GetValue(timeout)), scenario?.Seed ?? 1), Progress(stderr), ct);
            var result = ReplayResult.From(url, modelName, scenario, slo, measured);
            var target = JsonOutput.Target(parse, json);
            if (target is null)
            {
                await Console.Out.WriteAsync(PlanReport.Replay(result));
            }
            else
            {
                await JsonOutput.WriteAsync(target, result, ct);
            }

            return result.Failed == 0 ? ExitCodes.Pass : ExitCodes.Failed;
        });
        return command;
    }

    public static Command CreateValidate()
    {
        var server = ServerOption();
        var scenarioOption = new Option<string>("--scenario") { Description = "Scenario whose workload, scheduler and SLO to simulate and replay (its fleet and performance are replaced by this server and its profile).", Required = true, HelpName = "FILE" };
        var profileOption = new Option<string?>("--profile") { Description = "A fleet.inference-profile/v1 of the served engine (default: profile it through the server).", HelpName = "FILE" };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest |relative error| allowed on every p50 and p90.", DefaultValueFactory = _ => ValidationReport.DefaultTolerance, HelpName = "SHARE" };
        var maxBatch = new Option<int?>("--max-batch") { Description = "The server's --max-batch (default: the scenario's scheduler.maxBatch).", HelpName = "N" };
        var kvTokens = new Option<long?>("--kv-tokens") { Description = "The server's KV-cache tokens (default: the scenario's scheduler.kvCacheTokens, else maxBatch x the model's context).", HelpName = "N" };
        var chunked = new Option<int?>("--chunked-prefill") { Description = "The server's chunked-prefill budget (default: the scenario's).", HelpName = "N" };
        var saveProfile = new Option<string?>("--save-profile") { Description = "Write the profile used (measured through the server, or the one given) to FILE, for --profile next time.", HelpName = "FILE" };
        var load = new Option<double?>("--load") { Description = "Set the arrival rate to this share of the capacity the profile predicts at max batch (e.g. 0.6); Poisson or gamma arrivals only.", HelpName = "SHARE" };
        var svg = new Option<string?>("--svg") { Description = "Also write predicted and measured TTFT/TPOT distributions as an SVG plot.", HelpName = "FILE" };
        var model = ModelOption();
        var timeout = TimeoutOption();
        var json = JsonOutput.CreateOption();
        var command = new Command("validate", "Simulate a scenario's arrivals on one server with its profile, replay the same arrivals against it, and compare predicted with measured latency and throughput.");
        foreach (var o in new Option[] { server, scenarioOption, profileOption, saveProfile, load, tolerance, maxBatch, kvTokens, chunked, svg, model, timeout, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var tol = parse.GetValue(tolerance);
            if (!(tol > 0) || !double.IsFinite(tol))
            {
                await Console.Error.WriteLineAsync($"fleet: --tolerance must be a share > 0, e.g. 0.10, got {tol.ToString(CultureInfo.InvariantCulture)}.");
                return ExitCodes.CouldNotRun;
            }

            var scenario = await PlanCommands.LoadAsync(parse.GetValue(scenarioOption)!);
            if (scenario is null)
            {
                return ExitCodes.CouldNotRun;
            }

            var url = parse.GetValue(server)!;
            using var http = CreateClient(url);
            var generator = new OpenAiLoadGenerator(http);
            var stderr = StderrConsole.Create();
            var progress = Progress(stderr);
            var batch = parse.GetValue(maxBatch) ?? scenario.Scheduler.MaxBatch;
            string modelName;
            PerformanceProfile profile;
            string profilePath;
            try
            {
                modelName = parse.GetValue(model) ?? await generator.FirstModelAsync(ct);
                if (parse.GetValue(profileOption) is { } file)
                {
                    profilePath = Path.GetFullPath(file);
                    profile = await ReadProfileAsync(profilePath, ct);
                }
                else
                {
                    stderr.MarkupLineInterpolated($"[grey]profiling {modelName} through {url}[/]");
                    var workload = RequestGenerator.Generate(scenario);
                    var longestPrompt = workload.Count > 0 ? workload.PromptTokens.Max() : 64;
                    profile = await new ServerProfiler(generator).ProfileAsync(modelName, scenario.Model.Shape, scenario.Model.Dtype, batch, longestPrompt, progress, ct);
                    profilePath = url;
                }
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"fleet: cannot profile the server at {url}: {ex.Message}");
                return ExitCodes.CouldNotRun;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"fleet: --profile: {ex.Message}");
                return ExitCodes.CouldNotRun;
            }

            if (parse.GetValue(saveProfile) is { } save)
            {
                await JsonOutput.WriteAsync(save, profile, ct);
            }

            var kv = parse.GetValue(kvTokens) ?? scenario.Scheduler.KvCacheTokens ?? ((long)batch * scenario.Model.Shape.MaxContext);
            var simulated = ServerValidation.ForServer(scenario, profile, profilePath, batch, kv, parse.GetValue(chunked));
            var sample = RequestGenerator.Generate(simulated);
            var capacity = ServerValidation.CapacityRequestsPerSecond(profile, batch,
                sample.Count > 0 ? sample.PromptTokens.Average() : 1, sample.Count > 0 ? sample.OutputTokens.Average() : 1);
            stderr.MarkupLineInterpolated($"[grey]the profile predicts a capacity of {capacity:F2} requests/s at batch {batch}[/]");
            if (parse.GetValue(load) is { } share)
            {
                if (!(share > 0) || !double.IsFinite(capacity) || capacity <= 0 || simulated.Workload.Arrival is not (PoissonArrival or GammaArrival))
                {
                    await Console.Error.WriteLineAsync("fleet: --load needs a share > 0, a profile with a positive capacity and Poisson or gamma arrivals.");
                    return ExitCodes.CouldNotRun;
                }

                simulated = ServerValidation.WithRate(simulated, share * capacity);
                stderr.MarkupLineInterpolated($"[grey]--load {share:P0}: {share * capacity:F2} requests/s[/]");
            }

            var requests = RequestGenerator.Generate(simulated);
            var predicted = await Task.Run(() => new Simulator { RecordRequests = true }.Run(simulated, requests, null, ct), ct);
            stderr.MarkupLineInterpolated($"[grey]predicted: TTFT p50 {predicted.Ttft.P50 * 1e3:F1} ms, TPOT p50 {predicted.Tpot.P50 * 1e3:F2} ms; replaying {requests.Count:N0} requests[/]");
            var ttftBefore = await generator.HistogramAsync(ServerTtftMetric, ct);
            var stepsBefore = await generator.EngineStepSecondsAsync(ct);
            var measuredRequests = await generator.RunAsync(requests, new LoadGeneratorOptions(modelName, TimeSpan.FromSeconds(parse.GetValue(timeout)), scenario.Seed), progress, ct);
            if (await ServerSideAsync(generator, ttftBefore, stepsBefore, measuredRequests, ct) is { } split)
            {
                stderr.MarkupLineInterpolated($"[grey]{split}[/]");
            }

            var measured = ReplayResult.From(url, modelName, scenario, scenario.Slo, measuredRequests);
            if (measured.Failed > 0)
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"fleet: {measured.Failed} of {requests.Count} requests failed: {string.Join("; ", measured.Errors)}"));
            }

            var report = ValidationReport.Compare(predicted.Summary!, measured.Summary);
            if (parse.GetValue(svg) is { } svgPath)
            {
                await File.WriteAllTextAsync(svgPath, Plot(scenario, predicted, measured), ct);
            }

            var target = JsonOutput.Target(parse, json);
            if (target is null)
            {
                await Console.Out.WriteAsync(PlanReport.Validation(report, tol));
            }
            else
            {
                await JsonOutput.WriteAsync(target, report, ct);
                stderr.WriteLine(PlanReport.Validation(report, tol).TrimEnd());
            }

            return measured.Failed == 0 && report.WithinTolerance(tol) ? ExitCodes.Pass : ExitCodes.Failed;
        });
        return command;
    }

    private const string ServerTtftMetric = "fleet_serve_time_to_first_token_seconds";

    /// <summary>
    /// Where the replay's TTFT went, from the server's own histograms when it has them (<c>fleet infer serve</c>): the mean
    /// TTFT inside the server (hand-off to the batcher to the first token) against the client's, and the mean engine step.
    /// </summary>
    private static async Task<string?> ServerSideAsync(
        OpenAiLoadGenerator generator, (double Sum, long Count)? ttftBefore, (double Seconds, long Steps)? stepsBefore,
        IReadOnlyList<ReplayedRequest> replayed, CancellationToken ct)
    {
        var ttftAfter = await generator.HistogramAsync(ServerTtftMetric, ct);
        var stepsAfter = await generator.EngineStepSecondsAsync(ct);
        var done = replayed.Where(r => r.Completed).ToList();
        if (ttftBefore is not { } tb || ttftAfter is not { } ta || stepsBefore is not { } sb || stepsAfter is not { } sa
            || ta.Count <= tb.Count || sa.Steps <= sb.Steps || done.Count == 0)
        {
            return null;
        }

        var server = (ta.Sum - tb.Sum) / (ta.Count - tb.Count);
        var client = done.Average(r => r.FirstToken - r.Sent);
        var step = (sa.Seconds - sb.Seconds) / (sa.Steps - sb.Steps);
        return string.Create(CultureInfo.InvariantCulture,
            $"server side: mean TTFT {server * 1e3:F1} ms in the server against {client * 1e3:F1} ms at the client ({(client - server) * 1e3:F1} ms outside the engine); {sa.Steps - sb.Steps} engine steps, mean {step * 1e3:F2} ms");
    }

    private static async Task<PerformanceProfile> ReadProfileAsync(string path, CancellationToken ct)
    {
        var profile = JsonSerializer.Deserialize<PerformanceProfile>(await File.ReadAllTextAsync(path, ct), s_profileOptions)
            ?? throw new InvalidDataException($"{path} holds no profile");
        return profile.Schema == PerformanceProfile.CurrentSchema
            ? profile
            : throw new InvalidDataException($"{path}: schema '{profile.Schema}' is not '{PerformanceProfile.CurrentSchema}'");
    }

    private static string Plot(Scenario scenario, SimulationResult predicted, ReplayResult measured)
    {
        var r = predicted.Records!;
        var ttft = new List<double>();
        var tpot = new List<double>();
        for (var i = 0; i < r.Arrival.Length; i++)
        {
            if (!double.IsNaN(r.FirstToken[i]) && !double.IsNaN(r.Finished[i]))
            {
                ttft.Add(r.FirstToken[i] - r.Arrival[i]);
                if (r.OutputTokens[i] > 1)
                {
                    tpot.Add((r.Finished[i] - r.FirstToken[i]) / (r.OutputTokens[i] - 1));
                }
            }
        }

        var done = measured.Requests.Where(x => x.Completed).ToList();
        var mTtft = done.Select(x => x.FirstToken - x.Sent).ToList();
        var mTpot = done.Where(x => x.OutputTokens > 1).Select(x => (x.LastToken - x.FirstToken) / (x.OutputTokens - 1)).ToList();
        return CdfPlot.Svg($"{scenario.Name ?? "scenario"}: predicted (simulator) vs measured ({measured.Model} at {measured.Server})",
        [
            new CdfPlot.Panel("TTFT", [("predicted", "#1f77b4", ttft), ("measured", "#ff7f0e", mTtft)]),
            new CdfPlot.Panel("TPOT", [("predicted", "#1f77b4", tpot), ("measured", "#ff7f0e", mTpot)]),
        ]);
    }

    private static HttpClient CreateClient(string url)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2), ConnectTimeout = TimeSpan.FromSeconds(10) };
        return new HttpClient(handler) { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    private static Progress<string> Progress(IAnsiConsole console) => new(m => console.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
}
