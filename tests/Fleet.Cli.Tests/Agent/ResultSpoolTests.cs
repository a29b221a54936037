using Fleet.Cli.Agent;
using Fleet.Cli.Tests.Infer;

namespace Fleet.Cli.Tests.Agent;

public sealed class ResultSpoolTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Add_ThenNewSpoolOnSameFolder_PendingHasTheExactDocumentAndRoute()
    {
        var runId = Guid.NewGuid().ToString("D");
        new ResultSpool(_temp.File("spool")).Add(runId, "api/agent/jobs/12/results", "{\"runId\":\"x\",\"é\":1}");

        var reopened = new ResultSpool(_temp.File("spool")); // as after a restart
        var pending = Assert.Single(reopened.Pending());
        Assert.Equal(runId, pending.RunId);
        Assert.Equal("api/agent/jobs/12/results", pending.Path);
        Assert.Equal("{\"runId\":\"x\",\"é\":1}", pending.ReadDocument());
        Assert.Empty(Directory.GetFiles(reopened.Directory, "*.tmp"));
    }

    [Fact]
    public void MarkSentAndRejected_LeavePendingEmptyAndKeepCopies()
    {
        var spool = new ResultSpool(_temp.File("spool"));
        var sent = spool.Add("run-a", "api/burnin/runs", "{}");
        var refused = spool.Add("run-b", "api/burnin/runs", "{}");
        spool.MarkSent(sent);
        spool.MarkRejected(refused, "409 Conflict: runId reused");

        Assert.Empty(spool.Pending());
        Assert.True(File.Exists(Path.Combine(spool.Directory, "sent", "run-a.result.json")));
        Assert.Equal("409 Conflict: runId reused\n", File.ReadAllText(Path.Combine(spool.Directory, "rejected", "run-b.reason.txt")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Add_RunIdThatIsNotAPlainId_Throws(string runId)
    {
        Assert.Throws<ArgumentException>(() => new ResultSpool(_temp.File("spool")).Add(runId, "api/burnin/runs", "{}"));
    }

    [Fact]
    public void DefaultDirectory_XdgStateHome_PerHostFolderUnderFleetSpool()
    {
        var before = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", "/var/state");
            Assert.Equal("/var/state/fleet/spool/gpu-node-01", ResultSpool.DefaultDirectory("gpu-node-01"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", before);
        }
    }
}

public sealed class AgentClientTests
{
    [Theory]
    [InlineData("{\"runIds\":[\"r1\",\"r2\"]}", "r1,r2")]
    [InlineData("{\"runIds\":[41,42]}", "41,42")]
    [InlineData("{\"runs\":[{\"id\":7,\"serial\":\"S\"},{\"runId\":\"r8\"}]}", "7,r8")]
    [InlineData("[\"a\"]", "a")]
    [InlineData("", "")]
    [InlineData("not json", "")]
    public void RunIdsOf_AnswerShapes_Ids(string body, string expected)
    {
        Assert.Equal(expected, string.Join(",", AgentClient.RunIdsOf(body)));
    }

    [Theory]
    [InlineData("ftp://fleet")]
    [InlineData("fleet.example.org")]
    public void Create_NotAnHttpUrl_ThrowsNamingServer(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => AgentClient.Create(url, "t"));
        Assert.Contains("--server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseStandIns_CommaList_TrimmedDistinct()
    {
        Assert.Equal(["SN1", "SN2"], LocalBurnInExecutor.ParseStandIns(" SN1, SN2 ,SN1,"));
        Assert.Empty(LocalBurnInExecutor.ParseStandIns(null));
    }
}
