using System.Net;
using Fleet.Cli.Agent;
using Fleet.Cli.Tests.Infer;

namespace Fleet.Cli.Tests.Agent;

/// <summary>The optional <c>Fleet-Agent-Id</c> header the server checks against a job's holder.</summary>
public sealed class AgentIdHeaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AgentClient_ClaimAndHeartbeat_SendTheAgentIdHeader()
    {
        var handler = new Recorder();
        var client = new AgentClient(new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") }, "t0ken") { AgentId = "node-1/42/abcd" };

        await client.ClaimAsync(new ClaimRequest("node-1", "node-1/42/abcd", []), CancellationToken.None);
        await client.HeartbeatAsync("7", new HeartbeatRequest("gemm", 10), CancellationToken.None);

        Assert.Equal(["node-1/42/abcd", "node-1/42/abcd"], handler.AgentIds);
    }

    [Fact]
    public async Task AgentClient_PostResult_SendsTheIdOfTheAgentThatClaimedTheJob()
    {
        var handler = new Recorder();
        var client = new AgentClient(new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") }, "t0ken") { AgentId = "node-1/43/new" };

        await client.PostResultAsync(AgentClient.ResultsPath("7"), "{}", CancellationToken.None, "node-1/42/old");
        await client.PostResultAsync(AgentClient.OneOffRunsPath, "{}", CancellationToken.None);

        Assert.Equal(["node-1/42/old", null], handler.AgentIds);
    }

    [Fact]
    public void ResultSpool_AgentId_SurvivesARestart()
    {
        new ResultSpool(_temp.File("spool")).Add("run-1", AgentClient.ResultsPath("7"), "{}", "node-1/42/abcd");
        new ResultSpool(_temp.File("spool")).Add("run-2", AgentClient.OneOffRunsPath, "{}");

        var pending = new ResultSpool(_temp.File("spool")).Pending().ToDictionary(p => p.RunId);

        Assert.Equal(("api/agent/jobs/7/results", "node-1/42/abcd"), (pending["run-1"].Path, pending["run-1"].AgentId));
        Assert.Equal((AgentClient.OneOffRunsPath, (string?)null), (pending["run-2"].Path, pending["run-2"].AgentId));
    }

    private sealed class Recorder : HttpMessageHandler
    {
        public List<string?> AgentIds { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            AgentIds.Add(request.Headers.TryGetValues(AgentClient.AgentIdHeader, out var v) ? v.Single() : null);
            return Task.FromResult(new HttpResponseMessage(request.RequestUri!.AbsolutePath.EndsWith("/claim", StringComparison.Ordinal)
                ? HttpStatusCode.NoContent : HttpStatusCode.OK) { Content = new StringContent("{}") });
        }
    }
}
