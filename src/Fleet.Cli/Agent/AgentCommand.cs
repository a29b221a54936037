using System.CommandLine;
using System.Runtime.InteropServices;
using Fleet.Cli.Common;
using Fleet.Cli.Gpu;
using Spectre.Console;

namespace Fleet.Cli.Agent;

/// <summary>`fleet agent`: pulls burn-in jobs for this host from the Fleet server, runs them and posts the results.</summary>
public static class AgentCommand
{
    public static Command Create()
    {
        var server = new Option<string?>("--server") { Description = "The Fleet server's URL (or FLEET_SERVER)." };
        var token = new Option<string?>("--token") { Description = "An Agent bearer token (or FLEET_TOKEN; prefer the environment: a command line is visible to every user)." };
        var host = new Option<string?>("--host") { Description = "The host name the server knows this machine by (default: this machine's name)." };
        var once = new Option<bool>("--once") { Description = "Run one job, or none when the queue is empty, then exit." };
        var device = new Option<string>("--device") { Description = "all (every GPU, or the CPU when there is none), a CUDA index, or cpu.", DefaultValueFactory = _ => "all" };
        var spool = new Option<string?>("--spool") { Description = "Folder results are written to before they are posted (default: $XDG_STATE_HOME/fleet/spool/HOST)." };
        var fault = new Option<string?>("--inject-fault") { Description = "Corrupt one result on purpose (gemm, memory, nan): proves the failure path end to end." };
        fault.AcceptOnlyFromAmong("gemm", "memory", "nan");
        var standIn = new Option<string?>("--stand-in") { Description = "With --device cpu: the CPU accelerator stands in for these cards (SERIAL[,SERIAL...]); results are marked standIn, never real silicon.", HelpName = "SERIALS" };
        var maxBackoff = new Option<string>("--max-backoff") { Description = "Longest wait between claims while the queue is empty or the server is down (e.g. 60s, 5m).", DefaultValueFactory = _ => "60s" };
        var seed = new Option<int>("--seed") { Description = "Seed for the random matrices and patterns.", DefaultValueFactory = _ => 20261126 };
        var json = JsonOutput.CreateOption();
        var cmd = new SignalAwareCommand("agent", "Pull burn-in and profile jobs for this host from the Fleet server, run them, post the results (spooled to disk first); exit 0 done, 1 a result was refused, 2 could not run.");
        foreach (var o in new Option[] { server, token, host, once, device, spool, fault, standIn, maxBackoff, seed, json })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken _) =>
        {
            var target = JsonOutput.Target(r, json);
            var err = StderrConsole.Create();
            var url = r.GetValue(server) ?? Environment.GetEnvironmentVariable("FLEET_SERVER")
                ?? throw new ArgumentException("no server: pass --server URL or set FLEET_SERVER");
            var hostName = r.GetValue(host) ?? Environment.MachineName;
            var agentId = $"{hostName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
            var client = AgentClient.Create(url, r.GetValue(token) ?? Environment.GetEnvironmentVariable("FLEET_TOKEN") ?? string.Empty, agentId: agentId);
            var resultSpool = new ResultSpool(r.GetValue(spool) ?? ResultSpool.DefaultDirectory(hostName));
            var options = new AgentOptions
            {
                Host = hostName,
                AgentId = agentId,
                Once = r.GetValue(once),
                MaxBackoff = GpuConsole.ParseDuration(r.GetValue(maxBackoff)!),
            };
            void Log(string line) => err.MarkupLine(Markup.Escape($"fleet agent: {line}"));

            using var executor = new LocalBurnInExecutor(r.GetValue(device)!, LocalBurnInExecutor.ParseStandIns(r.GetValue(standIn)),
                GpuConsole.ParseFault(r.GetValue(fault)), r.GetValue(seed), new BurnInCommand.ProgressPrinter(err), Log);

            // SIGTERM (Slurm, Kubernetes, systemd) and Ctrl-C: abandon a running burn-in, finish a completed job's post.
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                if (!stop.IsCancellationRequested)
                {
                    Log($"{context.Signal}: stopping (a completed result is still posted; a running burn-in is abandoned)");
                    stop.Cancel();
                }
            }

            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            var report = await new AgentLoop(client, resultSpool, executor, options, Log, TimeProvider.System, new Random(), executor).RunAsync(url, stop.Token);
            await JsonOutput.WriteAsync(target, report, CancellationToken.None);
            return report.ExitCode;
        });
        return cmd;
    }
}
