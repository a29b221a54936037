using Fleet.Domain.Contracts.BurnIn;
using Fleet.Cli.Tests.Infer;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Tests.Agent;

[Collection(BurnInProcesses.Name)]
public sealed class BurnInReportTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task BurnIn_Report_PostsTheRunAsAOneOffAndExitsZero()
    {
        await using var server = await AgentServerDouble.StartAsync();
        using var run = AgentProcess.Start("gpu", "burnin", "--device", "cpu", "--duration", "1s", "--report", server.Url, "--token", AgentServerDouble.Token, "--spool", _temp.File("spool"));
        Assert.Equal(0, await run.WaitForExitAsync());

        var stored = Assert.Single(server.Stored);
        Assert.Contains($"results one-off {stored.Key}", server.Events);
        Assert.Equal(Verdict.Pass, BurnInJson.Deserialize(stored.Value).Verdict);
        Assert.Contains("verdict: PASS", run.Stdout, StringComparison.Ordinal); // the usual summary still comes
        Assert.True(File.Exists(Path.Combine(_temp.File("spool"), "sent", stored.Key + ".result.json")));
    }

    [Fact]
    public async Task BurnIn_ReportWithWrongToken_ExitsTwoAndKeepsTheRunSpooled()
    {
        await using var server = await AgentServerDouble.StartAsync();
        using var run = AgentProcess.Start("gpu", "burnin", "--device", "cpu", "--duration", "1s", "--report", server.Url, "--token", "not-the-token", "--spool", _temp.File("spool"));
        Assert.Equal(2, await run.WaitForExitAsync());
        Assert.Contains("refused the token", run.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_temp.File("spool"), "*.result.json"));
        Assert.Empty(server.Stored);
    }
}
