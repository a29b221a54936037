using Fleet.Domain.Contracts.BurnIn;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Fleet.Cli.Agent;
using Fleet.Cli.Tests.Infer;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Tests.Agent;

public sealed class AgentLoopTests : IDisposable
{
    private const string Host = "gpu-node-01";
    private readonly TempFolder _temp = new();
    private readonly ConcurrentQueue<string> _log = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RunAsync_OneJob_ClaimsHeartbeatsThenPostsInThatOrder()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, leaseSeconds: 1.5, serials: "S-1");
        var executor = new FakeExecutor { RunTime = TimeSpan.FromSeconds(2) };
        var spool = new ResultSpool(_temp.File("spool"));

        var report = await Loop(server.Url, executor, spool).RunAsync(server.Url, CancellationToken.None);

        var events = server.Events.ToList();
        Assert.StartsWith($"claim {Host} devices=", events[0], StringComparison.Ordinal);
        Assert.Contains("\"uuid\":\"GPU-1111\"", events[0], StringComparison.Ordinal);
        var results = events.FindIndex(e => e.StartsWith("results", StringComparison.Ordinal));
        var heartbeats = events.Select((e, i) => (e, i)).Where(x => x.e.StartsWith($"heartbeat {jobId} ", StringComparison.Ordinal)).ToList();
        Assert.True(heartbeats.Count >= 2, string.Join("\n", events)); // a 2 s run, a beat at the start and every 0.5 s
        Assert.All(heartbeats, h => Assert.True(h.i > 0 && h.i < results));
        Assert.Equal($"results {jobId} {executor.Results[0].RunId}", events[results]);
        Assert.Equal(1, server.Count("claim")); // --once: a single claim
        var job = Assert.Single(report.Jobs);
        Assert.Equal("posted", job.Outcome);
        Assert.Single(job.RunIds);
        Assert.Equal(0, report.ExitCode);
        Assert.Empty(spool.Pending());
        Assert.True(File.Exists(Path.Combine(spool.Directory, "sent", executor.Results[0].RunId + ".result.json")));
    }

    [Fact]
    public async Task RunAsync_OnceWithEmptyQueue_ClaimsOnceAndExitsZero()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var report = await Loop(server.Url, new FakeExecutor(), new ResultSpool(_temp.File("spool"))).RunAsync(server.Url, CancellationToken.None);
        Assert.Equal(1, server.Count("claim"));
        Assert.Empty(report.Jobs);
        Assert.Equal("once", report.StoppedBy);
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public async Task RunAsync_EmptyQueue_WaitsGrowExponentiallyWithJitterUpToTheCap()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var time = new InstantDelays();
        using var stop = new CancellationTokenSource();
        var loop = Loop(server.Url, new FakeExecutor(), new ResultSpool(_temp.File("spool")), once: false, time: time,
            initial: TimeSpan.FromSeconds(1), max: TimeSpan.FromSeconds(10));
        var running = loop.RunAsync(server.Url, stop.Token);
        await AgentServerDouble.WaitUntilAsync(() => server.Count("claim") >= 7, "seven claims");
        await stop.CancelAsync();
        var report = await running;

        var waits = time.Delays.Take(6).Select(d => d.TotalSeconds).ToList();
        (double Lo, double Hi)[] expected = [(0.5, 1), (1, 2), (2, 4), (4, 8), (5, 10), (5, 10)];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.InRange(waits[i], expected[i].Lo, expected[i].Hi);
        }

        Assert.Equal("signal", report.StoppedBy);
    }

    [Fact]
    public async Task RunAsync_ServerStartedLate_RetriesWithBackoffThenPosts()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var executor = new FakeExecutor();
        var running = Loop(url, executor, new ResultSpool(_temp.File("spool")), initial: TimeSpan.FromMilliseconds(50), max: TimeSpan.FromMilliseconds(200))
            .RunAsync(url, CancellationToken.None);
        await AgentServerDouble.WaitUntilAsync(() => _log.Count(l => l.Contains("server unavailable", StringComparison.Ordinal)) >= 3, "three failed claims");
        Assert.False(running.IsCompleted);

        await using var server = await AgentServerDouble.StartAsync(port);
        server.Enqueue(Host, serials: "S-1");
        var report = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("posted", Assert.Single(report.Jobs).Outcome);
        Assert.True(server.Stored.ContainsKey(executor.Results[0].RunId));
    }

    [Fact]
    public async Task RunAsync_ServerDownAtPost_KeepsResultSpooledAndPostsWhenBack()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var first = await AgentServerDouble.StartAsync(port);
        first.Enqueue(Host, serials: "S-1");
        first.HoldResults = new TaskCompletionSource(); // the post will hang until the server goes away
        var executor = new FakeExecutor();
        var spool = new ResultSpool(_temp.File("spool"));
        var running = Loop(url, executor, spool, initial: TimeSpan.FromMilliseconds(50), max: TimeSpan.FromMilliseconds(200)).RunAsync(url, CancellationToken.None);
        var runId = await first.ResultArrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(runId, Assert.Single(spool.Pending()).RunId); // on disk before the server has it
        await first.DisposeAsync(); // the server restarts mid-post: nothing stored
        await AgentServerDouble.WaitUntilAsync(() => _log.Any(l => l.Contains($"run {runId}: server unavailable", StringComparison.Ordinal)), "a failed post");

        await using var second = await AgentServerDouble.StartAsync(port);
        second.Hold("1"); // the restarted server still knows the job is this agent's
        var report = await running.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("posted", Assert.Single(report.Jobs).Outcome);
        Assert.Empty(spool.Pending());
    }

    [Fact]
    public async Task RunAsync_StopDuringRun_AbandonsTheJobWithoutPosting()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, leaseSeconds: 3, serials: "S-1");
        var executor = new FakeExecutor { RunUntilCancelled = true };
        var spool = new ResultSpool(_temp.File("spool"));
        using var stop = new CancellationTokenSource();
        var running = Loop(server.Url, executor, spool).RunAsync(server.Url, stop.Token);
        await executor.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await AgentServerDouble.WaitUntilAsync(() => server.Count($"heartbeat {jobId}") >= 1, "a heartbeat");
        await stop.CancelAsync();
        var report = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("abandoned", Assert.Single(report.Jobs).Outcome);
        Assert.Equal(0, server.Count("results"));
        Assert.Empty(spool.Pending());
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public async Task RunAsync_StopWhilePosting_FinishesThePost()
    {
        await using var server = await AgentServerDouble.StartAsync();
        server.Enqueue(Host, serials: "S-1");
        server.HoldResults = new TaskCompletionSource();
        var executor = new FakeExecutor();
        using var stop = new CancellationTokenSource();
        var running = Loop(server.Url, executor, new ResultSpool(_temp.File("spool")), once: false).RunAsync(server.Url, stop.Token);
        var runId = await server.ResultArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        server.HoldResults.SetResult();
        var report = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("posted", Assert.Single(report.Jobs).Outcome);
        Assert.True(server.Stored.ContainsKey(runId));
        Assert.Equal(1, server.Count("claim")); // no claim after the stop
    }

    [Fact]
    public async Task RunAsync_RunIdStoredWithOtherContent_MovesToRejectedAndExitsOne()
    {
        await using var server = await AgentServerDouble.StartAsync();
        server.Enqueue(Host, serials: "S-1");
        var runId = Guid.NewGuid().ToString("D");
        server.Preload(runId, "{\"runId\":\"" + runId + "\",\"other\":true}");
        var spool = new ResultSpool(_temp.File("spool"));
        var report = await Loop(server.Url, new FakeExecutor { NextRunId = runId }, spool).RunAsync(server.Url, CancellationToken.None);

        var job = Assert.Single(report.Jobs);
        Assert.Equal("refused", job.Outcome);
        Assert.Contains("409", job.Problem, StringComparison.Ordinal);
        Assert.Equal(1, report.ExitCode);
        Assert.Empty(spool.Pending());
        Assert.Contains("different content", await File.ReadAllTextAsync(Path.Combine(spool.Directory, "rejected", runId + ".reason.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SameDocumentAlreadyStored_CountsAsPosted()
    {
        await using var server = await AgentServerDouble.StartAsync();
        const string jobId = "41";
        var spool = new ResultSpool(_temp.File("spool"));
        var json = BurnInJson.Serialize(FakeExecutor.Result(Guid.NewGuid().ToString("D")));
        var runId = BurnInJson.Deserialize(json).RunId;
        server.Preload(runId, json);
        server.Hold(jobId);
        spool.Add(runId, AgentClient.ResultsPath(jobId), json);
        var report = await Loop(server.Url, new FakeExecutor(), spool).RunAsync(server.Url, CancellationToken.None);

        var delivered = Assert.Single(report.Respooled);
        Assert.Equal("posted", delivered.Outcome);
        Assert.Equal(jobId, delivered.JobId);
        Assert.Single(server.Stored);
        Assert.Empty(spool.Pending());
    }

    [Fact]
    public async Task RunAsync_HeartbeatSaysLeaseLost_DropsTheRunAndDoesNotPost()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var jobId = server.Enqueue(Host, leaseSeconds: 1.5, serials: "S-1");
        server.LostJobs[jobId] = true;
        var executor = new FakeExecutor { RunUntilCancelled = true };
        var report = await Loop(server.Url, executor, new ResultSpool(_temp.File("spool"))).RunAsync(server.Url, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("lease-lost", Assert.Single(report.Jobs).Outcome);
        Assert.Equal(0, server.Count("results"));
    }

    [Fact]
    public async Task RunAsync_JobCannotRun_ReportsTheErrorExitsTwoAndPostsNothing()
    {
        await using var server = await AgentServerDouble.StartAsync();
        server.Enqueue(Host, serials: "S-1");
        var executor = new FakeExecutor { Throws = new InvalidOperationException("device 0 could not be opened") };
        var report = await Loop(server.Url, executor, new ResultSpool(_temp.File("spool"))).RunAsync(server.Url, CancellationToken.None);

        var job = Assert.Single(report.Jobs);
        Assert.Equal("error", job.Outcome);
        Assert.Equal("device 0 could not be opened", job.Problem);
        Assert.Equal(2, report.ExitCode);
        Assert.Equal(0, server.Count("results"));
    }

    [Fact]
    public async Task RunAsync_TokenRefused_StopsWithExitTwo()
    {
        await using var server = await AgentServerDouble.StartAsync();
        var client = new AgentClient(new HttpClient { BaseAddress = new Uri(server.Url + "/") }, "wrong-token");
        var loop = new AgentLoop(client, new ResultSpool(_temp.File("spool")), new FakeExecutor(), Options(true, null, null), _log.Enqueue, TimeProvider.System, new Random(1));
        var report = await loop.RunAsync(server.Url, CancellationToken.None);
        Assert.Equal("unauthorized", report.StoppedBy);
        Assert.Equal(2, report.ExitCode);
        Assert.Contains("unknown agent token", report.Error, StringComparison.Ordinal);
    }

    private AgentLoop Loop(string url, FakeExecutor executor, ResultSpool spool, bool once = true, TimeProvider? time = null, TimeSpan? initial = null, TimeSpan? max = null) =>
        new(new AgentClient(new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(20) }, AgentServerDouble.Token), spool, executor,
            Options(once, initial, max), _log.Enqueue, time ?? TimeProvider.System, new Random(42));

    private static AgentOptions Options(bool once, TimeSpan? initial, TimeSpan? max) => new()
    {
        Host = Host,
        AgentId = "test-agent",
        Once = once,
        InitialBackoff = initial ?? TimeSpan.FromMilliseconds(50),
        MaxBackoff = max ?? TimeSpan.FromMilliseconds(200),
    };

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Records every one-shot wait (Task.Delay) and fires it at once; periodic timers (heartbeats) run in real time.</summary>
    private sealed class InstantDelays : TimeProvider
    {
        public ConcurrentQueue<TimeSpan> Delays { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan)
            {
                Delays.Enqueue(dueTime);
                dueTime = TimeSpan.Zero;
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
