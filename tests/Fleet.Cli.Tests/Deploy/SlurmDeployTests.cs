using Fleet.Domain.Contracts.BurnIn;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Fleet.Cli.Tests.Agent;
using Fleet.Cli.Tests.Infer;
using Fleet.Cli.Tests.Integration;
using Fleet.Domain;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Tests.Deploy;

/// <summary>
/// deploy/slurm/fleet-agent.sbatch on a real single-node Slurm (Debian's munge, slurmctld, slurmd) started in the test's own
/// folder. Skips on a developer machine without Slurm; fails under CI=true when it cannot run (tests/run.sh installs it).
/// </summary>
[Collection(BurnInProcesses.Name)]
public sealed partial class SlurmDeployTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public async Task Sbatch_AgentScriptWithCpuStandIns_JobCompletesAndServerHasTheResults()
    {
        RequireSlurm();
        var cluster = _temp.File("slurm");
        var start = await RunAsync("bash", [Path.Combine(AppContext.BaseDirectory, "Deploy", "slurm-cluster.sh"), "start", cluster], null);
        Assert.True(start.ExitCode == 0, "the Slurm cluster did not start:\n" + start.Output);
        var slurmConf = Path.Combine(cluster, "slurm.conf");
        try
        {
            await using var server = await AgentServerDouble.StartAsync();
            var host = (await RunAsync("hostname", ["-s"], null)).Output.Trim();
            server.Enqueue(host, durationSeconds: 1, leaseSeconds: 30, serials: ["SN-SL1", "SN-SL2"]);
            var env = new Dictionary<string, string>
            {
                ["SLURM_CONF"] = slurmConf,
                ["FLEET_SERVER"] = server.Url,
                ["FLEET_TOKEN"] = AgentServerDouble.Token,
                ["FLEET_BIN"] = $"{Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"} {Path.Combine(AppContext.BaseDirectory, "fleet.dll")}",
                ["FLEET_AGENT_ARGS"] = "--device cpu --stand-in SN-SL1,SN-SL2 --max-backoff 2s",
                ["FLEET_SPOOL"] = _temp.File("spool"),
            };
            var (show, output) = await SubmitAndWaitAsync(env);

            var stored = Assert.Single(server.Stored);
            var result = BurnInJson.Deserialize(stored.Value);
            Assert.Equal(["SN-SL1", "SN-SL2"], result.Devices.Select(d => d.Device.Serial).Order());
            Assert.All(result.Devices, d => Assert.True(d.StandIn));
            Assert.StartsWith($"claim {host} ", server.Events.First(), StringComparison.Ordinal);
            Assert.Contains("\"outcome\": \"posted\"", output, StringComparison.Ordinal);
            Assert.DoesNotContain(AgentServerDouble.Token, show, StringComparison.Ordinal); // the token is not on any command line
        }
        finally
        {
            await RunAsync("bash", [Path.Combine(AppContext.BaseDirectory, "Deploy", "slurm-cluster.sh"), "stop", cluster], null);
        }
    }

    [SkippableFact]
    public async Task Sbatch_AgentScriptAgainstTheRealServer_CampaignCompletesThroughSlurm()
    {
        RequireSlurm();
        var cluster = _temp.File("slurm");
        var start = await RunAsync("bash", [Path.Combine(AppContext.BaseDirectory, "Deploy", "slurm-cluster.sh"), "start", cluster], null);
        Assert.True(start.ExitCode == 0, "the Slurm cluster did not start:\n" + start.Output);
        try
        {
            await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
            await using var server = await FleetKestrelServer.StartAsync(database);
            var host = (await RunAsync("hostname", ["-s"], null)).Output.Trim().ToLowerInvariant();
            var cards = await AgentRealServerTests.ArrangeAsync(server, "slurm", 2, host);
            var campaign = await AgentRealServerTests.CreateCampaignAsync(server, cards, durationSeconds: 1);
            var token = await server.TokenAsync(Roles.Agent);
            var env = new Dictionary<string, string>
            {
                ["SLURM_CONF"] = Path.Combine(cluster, "slurm.conf"),
                ["FLEET_SERVER"] = server.Url,
                ["FLEET_TOKEN"] = token,
                ["FLEET_BIN"] = $"{Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet"} {Path.Combine(AppContext.BaseDirectory, "fleet.dll")}",
                ["FLEET_AGENT_ARGS"] = $"--device cpu --stand-in {string.Join(',', cards.Select(c => c.Serial))} --max-backoff 2s",
                ["FLEET_SPOOL"] = _temp.File("spool"),
            };
            var (show, output) = await SubmitAndWaitAsync(env);

            Assert.Contains("\"outcome\": \"posted\"", output, StringComparison.Ordinal);
            Assert.DoesNotContain(token, show, StringComparison.Ordinal);
            using var reader = server.Client(await server.TokenAsync(Roles.Technician));
            using var progress = JsonDocument.Parse(await reader.GetStringAsync($"api/burnin/campaigns/{campaign}"));
            var summary = progress.RootElement.GetProperty("summary");
            Assert.Equal("Completed", summary.GetProperty("state").GetString());
            Assert.Equal(1, summary.GetProperty("jobs").GetProperty("done").GetInt32());
            Assert.Equal(cards.Count, summary.GetProperty("cards").GetProperty("passed").GetInt32());
            await using var db = server.CreateDbContext();
            var runs = await db.BurnInRuns.AsNoTracking().ToListAsync();
            Assert.Equal(cards.Count, runs.Count);
            Assert.All(runs, r => Assert.True(r.StandIn));
            foreach (var card in cards)
            {
                Assert.Equal(GpuStatus.Validated, (await BurnInFleet.GpuAsync(db, card.Serial)).Status);
            }
        }
        finally
        {
            await RunAsync("bash", [Path.Combine(AppContext.BaseDirectory, "Deploy", "slurm-cluster.sh"), "stop", cluster], null);
        }
    }

    /// <summary>Submits deploy/slurm/fleet-agent.sbatch with <paramref name="env"/>, waits for the job to end, asserts it completed as the script asks.</summary>
    private async Task<(string Show, string Output)> SubmitAndWaitAsync(Dictionary<string, string> env)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "deploy", "slurm", "fleet-agent.sbatch");
        var submit = await RunAsync("sbatch", ["--parsable", "--chdir", _temp.Path, "--output", _temp.File("agent-%j.out"), script], env);
        Assert.True(submit.ExitCode == 0, "sbatch failed:\n" + submit.Output);
        var jobId = submit.Output.Trim().Split(';')[0];

        var state = string.Empty;
        var show = string.Empty;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        while (!timeout.IsCancellationRequested)
        {
            show = (await RunAsync("scontrol", ["show", "job", jobId, "-o"], env)).Output;
            state = JobState().Match(show) is { Success: true } m ? m.Groups[1].Value : string.Empty;
            if (state is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "NODE_FAIL" or "OUT_OF_MEMORY" or "BOOT_FAIL")
            {
                break;
            }

            await Task.Delay(250, CancellationToken.None);
        }

        var output = File.Exists(_temp.File($"agent-{jobId}.out")) ? await File.ReadAllTextAsync(_temp.File($"agent-{jobId}.out")) : "(no output file)";
        Assert.True(state == "COMPLETED", $"job {jobId} ended {state}:\n{show}\n{output}");
        Assert.Contains("ExitCode=0:0", show, StringComparison.Ordinal);
        Assert.True(Regex.IsMatch(show, @"TresPerNode=\S*gpu:8"), "scheduled with the script's --gres=gpu:8:\n" + show);
        Assert.True(show.Contains("OverSubscribe=NO", StringComparison.Ordinal), "--exclusive:\n" + show);
        return (show, output);
    }

    private static void RequireSlurm()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        var missing = new[] { "munged", "slurmctld", "slurmd", "sbatch", "scontrol", "srun" }.Where(t => !OnPath(t)).ToList();
        var problem = missing.Count > 0 ? $"Slurm is not installed (missing {string.Join(", ", missing)}; tests/run.sh installs munge, slurmctld, slurmd)"
            : Environment.UserName != "root" ? "the single-node Slurm cluster needs root (slurmd starts jobs as their user)"
            : null;
        if (problem is not null && ci)
        {
            Assert.Fail("CI=true: " + problem);
        }

        Skip.If(problem is not null, problem);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/sbin").Append("/usr/bin")
            .Any(d => File.Exists(Path.Combine(d, tool)));

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, IReadOnlyDictionary<string, string>? env)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        info.Environment["PATH"] = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"JobState=(\S+)")]
    private static partial Regex JobState();
}
