using Fleet.Domain.Contracts.BurnIn;
using System.Text.Json;
using Fleet.Cli.Tests.Infer;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Tests.Agent;

/// <summary>The real `fleet agent` process on the CPU accelerator standing in for named cards, against the in-test server double.</summary>
[Collection(BurnInProcesses.Name)]
public sealed class AgentProcessTests : IDisposable
{
    private const string Host = "gpu-node-07";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Agent_OnceWithStandIns_PostsAStandInResultPerCardAndExitsZero()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, durationSeconds: 1, serials: ["SN-A1", "SN-A2"]);
        using var agent = Start(server, "--once", "--device", "cpu", "--stand-in", "SN-A1,SN-A2", "--json");
        Assert.Equal(0, await agent.WaitForExitAsync());

        var stored = Assert.Single(server.Stored);
        var result = BurnInJson.Deserialize(stored.Value);
        Assert.Equal(["SN-A1", "SN-A2"], result.Devices.Select(d => d.Device.Serial).Order());
        Assert.All(result.Devices, d => Assert.True(d.StandIn));
        Assert.Equal(Verdict.Pass, result.Verdict);
        using var raw = JsonDocument.Parse(stored.Value);
        Assert.True(raw.RootElement.GetProperty("devices")[0].GetProperty("standIn").GetBoolean()); // the wire name the server reads
        Assert.Contains("SN-A2", server.Events.First(e => e.StartsWith("claim", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains($"heartbeat {jobId} ", string.Join("\n", server.Events), StringComparison.Ordinal);
        Assert.Contains("burn-in started", agent.Stderr, StringComparison.Ordinal); // progress on stderr
        using var report = JsonDocument.Parse(agent.Stdout);
        Assert.Equal("fleet.agent/v1", report.RootElement.GetProperty("schema").GetString());
        Assert.Equal("posted", report.RootElement.GetProperty("jobs")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Agent_InjectedNanFault_PostsAFailingRunWithTheFinding()
    {
        await using var server = await AgentServerDouble.StartAsync();
        server.Enqueue(Host, durationSeconds: 1, serials: "SN-B1");
        using var agent = Start(server, "--once", "--device", "cpu", "--stand-in", "SN-B1", "--inject-fault", "nan");
        Assert.Equal(0, await agent.WaitForExitAsync()); // delivered: the verdict is the server's to act on

        var result = BurnInJson.Deserialize(Assert.Single(server.Stored).Value);
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Contains(result.Devices[0].Findings, f => f.Code == FindingCodes.NanDetected);
    }

    [Fact]
    public async Task Agent_KilledMidPost_RestartPostsTheSpooledResultOnce()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, durationSeconds: 1, serials: "SN-C1");
        server.HoldResults = new TaskCompletionSource();
        string runId;
        using (var first = Start(server, "--once", "--device", "cpu", "--stand-in", "SN-C1"))
        {
            runId = await server.ResultArrived.Task.WaitAsync(TimeSpan.FromSeconds(300));
            first.Kill();
            await first.WaitForExitAsync();
        }

        await AgentServerDouble.WaitUntilAsync(() => server.Count($"aborted {runId}") == 1, "the aborted post");
        Assert.Empty(server.Stored);
        Assert.True(File.Exists(Path.Combine(_temp.File("spool"), runId + ".result.json")));

        server.HoldResults = null;
        using var second = Start(server, "--once", "--device", "cpu", "--stand-in", "SN-C1");
        Assert.Equal(0, await second.WaitForExitAsync());

        Assert.Equal(runId, Assert.Single(server.Stored).Key);
        Assert.Equal(1, server.Count($"stored {runId}"));
        Assert.Contains($"results {jobId} {runId}", server.Events.Last(e => e.StartsWith("results", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("from an earlier start", second.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_temp.File("spool"), runId + ".result.json")));
    }

    [Fact]
    public async Task Agent_SigtermDuringBurnIn_AbandonsTheJobAndExitsZero()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, durationSeconds: 600, leaseSeconds: 3, serials: "SN-D1");
        using var agent = Start(server, "--device", "cpu", "--stand-in", "SN-D1");
        await agent.WaitForStderrAsync("burn-in started");
        await AgentServerDouble.WaitUntilAsync(() => server.Events.Any(e => e.StartsWith($"heartbeat {jobId} gemm", StringComparison.Ordinal)), "a heartbeat from the stress phase", 120);
        agent.Terminate();

        Assert.Equal(0, await agent.WaitForExitAsync(60));
        Assert.Contains("abandoned", agent.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, server.Count("results"));
        Assert.Empty(Directory.GetFiles(_temp.File("spool"), "*.result.json"));
    }

    [Fact]
    public async Task Agent_SigtermWhilePosting_FinishesThePostThenExitsZero()
    {
        await using var server = await AgentServerDouble.StartAsync();
        server.Enqueue(Host, durationSeconds: 1, serials: "SN-E1");
        server.HoldResults = new TaskCompletionSource();
        using var agent = Start(server, "--device", "cpu", "--stand-in", "SN-E1");
        var runId = await server.ResultArrived.Task.WaitAsync(TimeSpan.FromSeconds(300));
        agent.Terminate();
        await agent.WaitForStderrAsync("SIGTERM: stopping");
        server.HoldResults.SetResult();

        Assert.Equal(0, await agent.WaitForExitAsync(60));
        Assert.True(server.Stored.ContainsKey(runId));
        Assert.Contains($"run {runId}: posted", agent.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, server.Count("claim")); // stopped: no further claim
    }

    [Fact]
    public async Task Agent_TokenFromEnvironmentMissing_ExitsTwoWithOneLine()
    {
        using var agent = AgentProcess.Start("agent", "--server", "http://127.0.0.1:9", "--once", "--device", "cpu");
        Assert.Equal(2, await agent.WaitForExitAsync());
        Assert.Contains("FLEET_TOKEN", agent.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", agent.Stderr, StringComparison.Ordinal);
    }

    private AgentProcess Start(AgentServerDouble server, params string[] args) =>
        AgentProcess.Start(["agent", "--server", server.Url, "--token", AgentServerDouble.Token, "--host", Host, "--spool", _temp.File("spool"), "--max-backoff", "1s", .. args]);
}
