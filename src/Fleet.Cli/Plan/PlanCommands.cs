using System.CommandLine;
using System.Diagnostics;
using Fleet.Cli.Common;
using Fleet.Cli.Plan.Replay;
using Fleet.Planning.Capacity;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Spectre.Console;

namespace Fleet.Cli.Plan;

/// <summary>The `fleet plan` verbs: simulate a scenario, or search the fewest GPUs that meet its SLO.</summary>
public static class PlanCommands
{
    public static Command Create()
    {
        var plan = new Command("plan", "Capacity planning: simulate serving a scenario, find the fewest GPUs that meet its SLO, replay load against a server, validate the simulator against it.");
        plan.Subcommands.Add(CreateSimulate());
        plan.Subcommands.Add(CreateCapacity());
        plan.Subcommands.Add(ReplayCommands.CreateReplay());
        plan.Subcommands.Add(ReplayCommands.CreateValidate());
        return plan;
    }

    private static Option<string> ScenarioOption() => new("--scenario")
    {
        Description = "Scenario JSON (schema fleet.scenario/v1; see src/Fleet.Planning/README.md).",
        Required = true,
        HelpName = "FILE",
    };

    private static Command CreateSimulate()
    {
        var scenarioOption = ScenarioOption();
        var json = JsonOutput.CreateOption();
        var command = new Command("simulate", "Simulate continuous-batching serving of a scenario and report latency, throughput, goodput and utilization.");
        command.Options.Add(scenarioOption);
        command.Options.Add(json);
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var scenario = await LoadAsync(parse.GetValue(scenarioOption)!);
            if (scenario is null)
            {
                return ExitCodes.CouldNotRun;
            }

            var stderr = StderrConsole.Create();
            var clock = Stopwatch.StartNew();
            var result = await Task.Run(() => new Simulator().Run(scenario, new SimulationProgressWriter(stderr), ct), ct);
            clock.Stop();
            stderr.MarkupLineInterpolated($"[grey]simulated {result.Requests:N0} requests on {result.Replicas:N0} replicas: {result.Engine.Events:N0} events in {clock.Elapsed.TotalSeconds:F2} s ({result.Engine.Events / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):N0} events/s)[/]");
            var target = JsonOutput.Target(parse, json);
            if (target is null)
            {
                await Console.Out.WriteAsync(PlanReport.Simulation(result));
            }
            else
            {
                await JsonOutput.WriteAsync(target, result, ct);
            }

            return ExitCodes.Pass;
        });
        return command;
    }

    private static Command CreateCapacity()
    {
        var scenarioOption = ScenarioOption();
        var gpuModel = new Option<string?>("--gpu-model") { Description = "Catalog GPU to size (default: the scenario's first pool).", HelpName = "NAME" };
        var target = new Option<double?>("--target-attainment") { Description = "Share of requests that must meet every SLO, e.g. 0.99 (default: the SLO percentile / 100).", HelpName = "SHARE" };
        var spares = new Option<bool>("--spares") { Description = "Add N+k spare replicas for the scenario's failure rate." };
        var survive = new Option<bool>("--survive-datacenter-loss") { Description = "Also meet the target with either datacenter down." };
        var json = JsonOutput.CreateOption();
        var command = new Command("capacity", "Find the fewest GPUs whose simulated SLO attainment meets the target at the scenario's demand.");
        command.Options.Add(scenarioOption);
        command.Options.Add(gpuModel);
        command.Options.Add(target);
        command.Options.Add(spares);
        command.Options.Add(survive);
        command.Options.Add(json);
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var share = parse.GetValue(target);
            if (share is { } s && (s <= 0 || s > 1 || !double.IsFinite(s)))
            {
                await Console.Error.WriteLineAsync($"fleet: --target-attainment must be > 0 and <= 1 (a share, e.g. 0.99), got {s.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
                return ExitCodes.CouldNotRun;
            }

            var scenario = await LoadAsync(parse.GetValue(scenarioOption)!);
            if (scenario is null)
            {
                return ExitCodes.CouldNotRun;
            }

            var options = new CapacityOptions
            {
                GpuModel = parse.GetValue(gpuModel),
                TargetAttainment = share,
                Spares = parse.GetValue(spares),
                SurviveDatacenterLoss = parse.GetValue(survive),
            };
            var stderr = StderrConsole.Create();
            var clock = Stopwatch.StartNew();
            CapacityResult result;
            try
            {
                result = await Task.Run(() => new CapacitySearch(new Simulator()).Find(scenario, options, new CapacityProgressWriter(stderr), ct), ct);
            }
            catch (CapacityUnreachableException ex)
            {
                await Console.Error.WriteLineAsync($"fleet: {ex.Message}");
                return ExitCodes.Failed;
            }
            catch (PlanningInputException ex)
            {
                await Console.Error.WriteLineAsync($"fleet: {ex.Message}");
                return ExitCodes.CouldNotRun;
            }

            stderr.MarkupLineInterpolated($"[grey]{result.Probes.Count} simulations in {clock.Elapsed.TotalSeconds:F1} s[/]");
            var output = JsonOutput.Target(parse, json);
            if (output is null)
            {
                await Console.Out.WriteAsync(PlanReport.Capacity(result));
            }
            else
            {
                await JsonOutput.WriteAsync(output, result, ct);
            }

            return ExitCodes.Pass;
        });
        return command;
    }

    /// <summary>Loads the scenario, printing every validation error on its own line; null when it is invalid.</summary>
    internal static async Task<Scenario?> LoadAsync(string path)
    {
        try
        {
            return ScenarioParser.Load(path);
        }
        catch (ScenarioException ex)
        {
            await Console.Error.WriteLineAsync($"fleet: invalid scenario {path}:");
            foreach (var error in ex.Errors)
            {
                await Console.Error.WriteLineAsync($"  {error}");
            }

            return null;
        }
    }

    /// <summary>Writes simulation progress to stderr synchronously, at most every 250 ms (the engine throttles).</summary>
    private sealed class SimulationProgressWriter(IAnsiConsole console) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) =>
            console.MarkupLineInterpolated($"[grey]t = {value.SimulatedSeconds:F0} s of {value.DurationSeconds:F0} s, {value.Completed:N0} of {value.Requests:N0} requests done[/]");
    }

    private sealed class CapacityProgressWriter(IAnsiConsole console) : IProgress<CapacityProgress>
    {
        public void Report(CapacityProgress value) =>
            console.MarkupLineInterpolated($"[grey]probe {value.Probe}: {value.Gpus:N0} GPUs -> attainment {value.Attainment:P2} {(value.Meets ? "meets" : "misses")}[/]");
    }
}
