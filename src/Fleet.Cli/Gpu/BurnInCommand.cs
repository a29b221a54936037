using System.CommandLine;
using System.Globalization;
using Fleet.Cli.Agent;
using Fleet.Cli.Common;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Spectre.Console;

namespace Fleet.Cli.Gpu;

/// <summary>`fleet gpu burnin`: stress, memory patterns, bandwidth and telemetry per device, in parallel, with a verdict.</summary>
public static class BurnInCommand
{
    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "all (every GPU, or the CPU when there is none), a CUDA index, or cpu.", DefaultValueFactory = _ => "all" };
        var level = new Option<string>("--level") { Description = "quick (~1 min), standard (~15 min), extended (adds the long memory patterns).", DefaultValueFactory = _ => "quick" };
        level.AcceptOnlyFromAmong("quick", "standard", "extended");
        var duration = new Option<string?>("--duration") { Description = "Stress time, overriding the level's (90s, 5m, 1h, 00:10:00)." };
        var fault = new Option<string?>("--inject-fault") { Description = "Corrupt one result on purpose: the run must then fail with the matching finding." };
        fault.AcceptOnlyFromAmong("gemm", "memory", "nan");
        var seed = new Option<int>("--seed") { Description = "Seed for the random matrices and patterns.", DefaultValueFactory = _ => 20261126 };
        var report = new Option<string?>("--report") { Description = "Post the result to this Fleet server (POST /api/burnin/runs) as a one-off run; spooled to disk first.", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "Bearer token for --report (or FLEET_TOKEN)." };
        var spool = new Option<string?>("--spool") { Description = "Folder the --report result is spooled to (default: $XDG_STATE_HOME/fleet/spool/HOST, the agent's)." };
        var json = JsonOutput.CreateOption();
        var cmd = new Command("burnin", "Burn in GPUs: matrix-product stress with verification, memory patterns, bandwidth, NVML telemetry; exit 0 pass, 1 a device failed, 2 could not run.");
        foreach (var o in new Option[] { device, level, duration, fault, seed, report, token, spool, json })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var target = JsonOutput.Target(r, json);
            var err = StderrConsole.Create();
            var levelValue = Enum.Parse<BurnInLevel>(r.GetValue(level)!, ignoreCase: true);
            var durationText = r.GetValue(duration);
            var plan = BurnInPlan.For(levelValue, durationText is null ? null : GpuConsole.ParseDuration(durationText));
            var selector = r.GetValue(device)!;
            var reportUrl = r.GetValue(report);
            var client = reportUrl is null ? null : AgentClient.Create(reportUrl, r.GetValue(token) ?? Environment.GetEnvironmentVariable("FLEET_TOKEN") ?? string.Empty);
            var settings = new BurnInSettings
            {
                Plan = plan,
                Fault = new FaultPlan(GpuConsole.ParseFault(r.GetValue(fault))),
                Seed = r.GetValue(seed),
                DeviceSelector = selector,
                ToolVersion = GpuConsole.ToolVersion,
            };

            using var discovery = new DeviceDiscovery();
            var inventory = discovery.Discover();
            foreach (var note in inventory.Notes)
            {
                err.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
            }

            var selected = DeviceDiscovery.Select(inventory, selector);
            var backends = new List<IComputeBackend>();
            try
            {
                foreach (var d in selected)
                {
                    try
                    {
                        backends.Add(discovery.Open(d));
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        err.MarkupLine($"[red]fleet: could not open device {Markup.Escape(d.Id)} ({Markup.Escape(d.Name)}): {Markup.Escape(ex.GetType().Name)}: {Markup.Escape(ex.Message)}[/]");
                        return ExitCodes.CouldNotRun;
                    }
                }

                foreach (var b in backends)
                {
                    foreach (var note in b.Notes)
                    {
                        err.MarkupLine($"[yellow]{Markup.Escape(b.Info.Id)}:[/] {Markup.Escape(note)}");
                    }
                }

                err.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"burn-in {plan.Level.ToString().ToLowerInvariant()} on {string.Join(", ", backends.Select(b => b.Info.Id + " " + b.Info.Name))}: stress {plan.StressTime.TotalSeconds:F0} s{(settings.Fault.Kind == FaultKind.None ? string.Empty : $", injecting a {settings.Fault.Kind.ToString().ToLowerInvariant()} fault")}")));
                var result = await new BurnInRunner(TimeProvider.System).RunAsync(backends, settings, new ProgressPrinter(err), ct);
                    if (target != "-")
                {
                    PrintSummary(result);
                }

                await JsonOutput.WriteAsync(target, result, CancellationToken.None);
                if (!result.Complete)
                {
                    err.MarkupLine("[yellow]fleet: the run did not complete; the result is partial (complete: false).[/]");
                }

                var exit = result.Verdict == Verdict.Fail ? ExitCodes.Failed : result.Complete ? ExitCodes.Pass : ExitCodes.CouldNotRun;
                if (client is not null)
                {
                    var delivery = await ReportAsync(client, r.GetValue(spool), result, err, ct);
                    exit = delivery.Outcome switch
                    {
                        "posted" => exit,
                        "refused" => Math.Max(exit, ExitCodes.Failed),
                        _ => ExitCodes.CouldNotRun,
                    };
                }

                return exit;
            }
            finally
            {
                foreach (var b in backends)
                {
                    b.Dispose();
                }
            }
        });
        return cmd;
    }

    /// <summary>Spools the one-off run (so `fleet agent` re-posts it if the server is away), then posts it with a few retries.</summary>
    private static async Task<Delivery> ReportAsync(AgentClient client, string? spoolDirectory, BurnInResult result, IAnsiConsole err, CancellationToken ct)
    {
        var spool = new ResultSpool(spoolDirectory ?? ResultSpool.DefaultDirectory(Environment.MachineName));
        var spooled = spool.Add(result.RunId, AgentClient.OneOffRunsPath, BurnInJson.Serialize(result));
        var poster = new ResultPoster(client, spool, line => err.MarkupLine(Markup.Escape("fleet: " + line)), TimeProvider.System);
        return await poster.DeliverAsync(spooled, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), new Random()), maxAttempts: 5, ct);
    }

    private static void PrintSummary(BurnInResult result)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var d in result.Devices)
        {
            Console.Out.WriteLine(string.Create(c, $"[{d.Device.Id}] {d.Device.Name}: {d.Verdict.ToString().ToUpperInvariant()}{(d.Complete ? string.Empty : " (incomplete)")}"));
            foreach (var g in d.Gemm)
            {
                Console.Out.WriteLine(string.Create(c, $"    gemm {g.Precision.ToString().ToLowerInvariant(),-5} {g.Size}x{g.Size} {g.Engine}: {g.Products} products, {g.Gflops:F3} GFLOP/s, repeat mismatches {g.RepeatMismatches}, non-finite {g.NonFinite}, reference max rel err {g.Reference?.MaxRelativeError:E2} (tol {g.Reference?.Tolerance:E2})"));
            }

            if (d.Memory is { } m)
            {
                Console.Out.WriteLine(string.Create(c, $"    memory: {m.BytesTested / 1048576.0:F1} MiB, {m.Passes.Count} patterns, {m.Errors} errors"));
            }

            if (d.Bandwidth is { } bw)
            {
                Console.Out.WriteLine(string.Create(c, $"    bandwidth: d2d {bw.DeviceToDeviceGBs:F2} GB/s, h2d {bw.HostToDeviceGBs:F2} GB/s, d2h {bw.DeviceToHostGBs:F2} GB/s"));
            }

            if (d.Telemetry is { Available: false } t)
            {
                Console.Out.WriteLine($"    telemetry: unavailable ({t.UnavailableReason})");
            }
            else if (d.Telemetry is { } tel)
            {
                Console.Out.WriteLine(string.Create(c, $"    telemetry: max {tel.MaxTemperatureC} °C, max {tel.MaxPowerW:F0} W, energy {tel.EnergyJ:F0} J, ECC corrected +{tel.EccCorrectedDelta}, uncorrected +{tel.EccUncorrectedDelta}, clock events [{string.Join(", ", tel.ClockEventReasonsSeen)}]"));
            }

            foreach (var f in d.Findings)
            {
                Console.Out.WriteLine($"    {f.Severity.ToString().ToUpperInvariant()} {f.Code}: {f.Message}");
            }
        }

        Console.Out.WriteLine($"verdict: {result.Verdict.ToString().ToUpperInvariant()}");
    }

    /// <summary>Prints progress synchronously on stderr, at most once a second per device unless the phase changes.</summary>
    internal sealed class ProgressPrinter(IAnsiConsole console) : IProgress<BurnInProgress>
    {
        private readonly Dictionary<string, (string Phase, DateTime At)> _last = [];
        private readonly Lock _lock = new();

        public void Report(BurnInProgress value)
        {
            lock (_lock)
            {
                var now = DateTime.UtcNow;
                if (_last.TryGetValue(value.DeviceId, out var last) && last.Phase == value.Phase && (now - last.At).TotalSeconds < 1 && value.Message is null)
                {
                    return;
                }

                _last[value.DeviceId] = (value.Phase, now);
                var c = CultureInfo.InvariantCulture;
                var line = string.Create(c, $"[{value.DeviceId}] {value.Elapsed.TotalSeconds,6:F1}s {value.Phase,-10}")
                    + (value.Gflops is { } g ? string.Create(c, $" {g,10:F3} GFLOP/s") : string.Empty)
                    + (value.TemperatureC is { } t ? string.Create(c, $" {t:F0} °C") : string.Empty)
                    + (value.PowerW is { } p ? string.Create(c, $" {p:F0} W") : string.Empty)
                    + string.Create(c, $" errors {value.Errors}")
                    + (value.Message is null ? string.Empty : " " + value.Message);
                console.MarkupLine(Markup.Escape(line));
            }
        }
    }
}
