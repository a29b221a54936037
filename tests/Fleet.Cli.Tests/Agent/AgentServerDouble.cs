using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fleet.Cli.Tests.Agent;

/// <summary>
/// A test double of the server's agent routes (issue 13's shapes) on Kestrel at 127.0.0.1, for the agent's own tests: claim by
/// host (200 job or 204), heartbeat (409 when the caller does not hold the job), results idempotent on runId (same
/// document → 200 with the same runs; different → 409). Records every request in order.
/// </summary>
public sealed class AgentServerDouble : IAsyncDisposable
{
    public const string Token = "agent-test-token";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonObject>> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _holders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Json, int RunNumber)> _stored = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _runNumber;

    private AgentServerDouble(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Every request as "claim HOST", "heartbeat JOB PHASE PERCENT", "results JOB RUNID", in arrival order.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Documents stored, by runId.</summary>
    public IReadOnlyDictionary<string, string> Stored => _stored.ToDictionary(kv => kv.Key, kv => kv.Value.Json);

    /// <summary>When set, a results post waits for this before it is stored (a request aborted meanwhile stores nothing).</summary>
    public TaskCompletionSource? HoldResults { get; set; }

    /// <summary>Completes when a results post has arrived (before <see cref="HoldResults"/> lets it through).</summary>
    public TaskCompletionSource<string> ResultArrived { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Heartbeats for these jobs answer 409 (the lease went to someone else).</summary>
    public ConcurrentDictionary<string, bool> LostJobs { get; } = new(StringComparer.Ordinal);

    public static async Task<AgentServerDouble> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        AgentServerDouble? self = null;
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { type = "about:blank", title = "Unauthorized", status = 401, detail = "unknown agent token" });
                return;
            }

            await next(context);
        });
        app.MapPost("/api/agent/claim", (HttpContext c, JsonObject body) => self!.Claim(body));
        app.MapPost("/api/agent/jobs/{id}/heartbeat", (string id, JsonObject body) => self!.Heartbeat(id, body));
        app.MapPost("/api/agent/jobs/{id}/results", async (string id, HttpContext c) => await self!.ResultsAsync(id, "job", c));
        app.MapPost("/api/burnin/runs", async (HttpContext c) => await self!.ResultsAsync(null, "one-off", c));
        await app.StartAsync();
        var address = app.Urls.First();
        self = new AgentServerDouble(app, address);
        return self;
    }

    /// <summary>Queues a job for a host; returns its id.</summary>
    public string Enqueue(string host, string level = "quick", double? durationSeconds = 1, double leaseSeconds = 30, params string[] serials)
    {
        var id = Interlocked.Increment(ref _runNumber).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var job = new JsonObject
        {
            ["jobId"] = int.Parse(id, System.Globalization.CultureInfo.InvariantCulture),
            ["campaignId"] = 7,
            ["level"] = level,
            ["durationSeconds"] = durationSeconds,
            ["leaseSeconds"] = leaseSeconds,
            ["cards"] = new JsonArray(serials.Select((s, i) => (JsonNode)new JsonObject { ["serial"] = s, ["uuid"] = null, ["slot"] = i }).ToArray()),
        };
        _queues.GetOrAdd(host, _ => new()).Enqueue(job);
        return id;
    }

    /// <summary>Marks a job as held by the agent under test (as a server that restarted still knows).</summary>
    public void Hold(string jobId) => _holders[jobId] = "agent";

    /// <summary>Stores a document as if an earlier post had landed.</summary>
    public void Preload(string runId, string json) => _stored[runId] = (json, Interlocked.Increment(ref _runNumber));

    public int Count(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Waits for a condition, polling; fails the test with <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutSeconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"timed out after {timeoutSeconds} s waiting for {what}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private IResult Claim(JsonObject body)
    {
        var host = body["host"]?.GetValue<string>() ?? string.Empty;
        var agent = body["agentId"]?.GetValue<string>() ?? string.Empty;
        Events.Enqueue($"claim {host} devices={body["devices"]?.ToJsonString()}");
        if (_queues.TryGetValue(host, out var queue) && queue.TryDequeue(out var job))
        {
            _holders[job["jobId"]!.ToJsonString()] = agent;
            return Results.Json(job);
        }

        return Results.NoContent();
    }

    private IResult Heartbeat(string id, JsonObject body)
    {
        Events.Enqueue($"heartbeat {id} {body["phase"]} {body["percent"]}");
        return !_holders.ContainsKey(id) || LostJobs.ContainsKey(id)
            ? Results.Problem(statusCode: 409, title: "Not your job", detail: $"job {id} is not held by this agent")
            : Results.Ok();
    }

    private async Task<IResult> ResultsAsync(string? jobId, string kind, HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var json = await reader.ReadToEndAsync(context.RequestAborted);
        string runId;
        try
        {
            runId = JsonNode.Parse(json)?["runId"]?.GetValue<string>() ?? throw new JsonException("no runId");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Results.Problem(statusCode: 400, title: "Malformed result", detail: ex.Message);
        }

        Events.Enqueue($"results {jobId ?? kind} {runId}");
        ResultArrived.TrySetResult(runId);
        if (HoldResults is { } hold)
        {
            try
            {
                await hold.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Events.Enqueue($"aborted {runId}");
                return Results.Empty;
            }
        }

        if (jobId is not null && !_holders.ContainsKey(jobId))
        {
            return Results.Problem(statusCode: 409, title: "Not your job", detail: $"job {jobId} is not held by this agent");
        }

        lock (_lock)
        {
            if (_stored.TryGetValue(runId, out var existing))
            {
                return existing.Json == json
                    ? Results.Ok(new { runIds = new[] { existing.RunNumber } })
                    : Results.Problem(statusCode: 409, title: "runId reused", detail: $"run {runId} is stored with different content");
            }

            var number = Interlocked.Increment(ref _runNumber);
            _stored[runId] = (json, number);
            Events.Enqueue($"stored {runId}");
            return Results.Ok(new { runIds = new[] { number } });
        }
    }

    /// <summary>Resets <see cref="ResultArrived"/> for the next post.</summary>
    public void ExpectNextResult() => ResultArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
