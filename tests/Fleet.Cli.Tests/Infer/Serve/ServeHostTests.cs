using System.Net;
using System.Text;
using System.Text.Json;
using Fleet.Cli.Infer.Serve;
using Fleet.Domain.Models;
using Fleet.Domain.Serving;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;
using Fleet.Inference.Serving;
using Fleet.Inference.Tokenization;

namespace Fleet.Cli.Tests.Infer.Serve;

/// <summary>A tiny random-weight model served on 127.0.0.1 (a free port), optionally slowed down per step.</summary>
internal sealed class TinyServer : IAsyncDisposable
{
    public static readonly ModelShape Config = ModelShape.Of(64, 160, 2, 4, 2, 400, 512, true);

    private readonly TransformerWeights _weights;
    private readonly IBatchDecoder _engine;
    private ServeHost? _host;

    private TinyServer(TransformerWeights weights, IBatchDecoder engine, ContinuousBatcher batcher, HttpClient client)
    {
        _weights = weights;
        _engine = engine;
        Batcher = batcher;
        Client = client;
    }

    public ContinuousBatcher Batcher { get; }

    public HttpClient Client { get; }

    public static async Task<TinyServer> StartAsync(int maxBatch = 8, int maxQueue = 64, int stepDelayMs = 0, int chunk = 0)
    {
        var weights = SyntheticWeights.Create(Config, new Random(7));
        var tokenizer = SyntheticTokenizer.Create(Config.VocabSize, new Random(8));
        IBatchDecoder engine = new CpuBatchTransformer(weights, threads: 1);
        if (stepDelayMs > 0)
        {
            engine = new SlowDecoder(engine, stepDelayMs);
        }

        var batcher = new ContinuousBatcher(engine, new BatchingPolicy(maxBatch, chunk), 4096, maxQueue, TimeProvider.System);
        batcher.Start();
        var server = new TinyServer(weights, engine, batcher, new HttpClient { Timeout = TimeSpan.FromSeconds(60) });
        server._host = await ServeHost.StartAsync(new ServedModel("tiny", batcher, tokenizer, Config.VocabSize), ["http://127.0.0.1:0"], TimeProvider.System);
        server.Client.BaseAddress = server._host.Addresses[0];
        return server;
    }

    public Task<HttpResponseMessage> PostAsync(string json, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead, CancellationToken ct = default) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") }, option, ct);

    public async Task<string> MetricsAsync() => await Client.GetStringAsync("metrics");

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        Batcher.Dispose();
        _engine.Dispose();
        _weights.Dispose();
        Client.Dispose();
    }

    /// <summary>Holds each step for a while, so a test can place requests while others are still running.</summary>
    private sealed class SlowDecoder(IBatchDecoder inner, int delayMs) : IBatchDecoder
    {
        public ModelShape Config => inner.Config;

        public long KvBytesPerToken => inner.KvBytesPerToken;

        public KvSequence Open(int capacity) => inner.Open(capacity);

        public void Step(ReadOnlySpan<BatchRow> rows)
        {
            Thread.Sleep(delayMs);
            inner.Step(rows);
        }

        public Span<float> Logits(int index) => inner.Logits(index);

        public void Dispose() => inner.Dispose();
    }
}

public class ServeHostTests
{
    private static readonly string[] s_topLevel = ["id", "object", "created", "model", "choices"];

    [Fact]
    public async Task Completions_NonStreaming_OpenAiShapeWithUsage()
    {
        await using var server = await TinyServer.StartAsync();
        using var response = await server.PostAsync("""{"model":"tiny","prompt":[1,40,50,60],"max_tokens":7,"temperature":0,"ignore_eos":true}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        foreach (var field in s_topLevel)
        {
            Assert.True(root.TryGetProperty(field, out _), field);
        }

        Assert.StartsWith("cmpl-", root.GetProperty("id").GetString());
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.Equal("tiny", root.GetProperty("model").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.String, choice.GetProperty("text").ValueKind);
        var usage = root.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(11, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_Streaming_OneChunkPerTokenThenUsageThenDone()
    {
        await using var server = await TinyServer.StartAsync();
        const string Body = """{"prompt":"once upon a time","max_tokens":9,"temperature":0,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}""";
        using var response = await server.PostAsync(Body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var raw = await response.Content.ReadAsStringAsync();
        var events = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        var tokenChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1).ToList();
        Assert.Equal(9, tokenChunks.Count);
        Assert.All(tokenChunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        Assert.Equal("length", tokenChunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(tokenChunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(9, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var prompt = usageChunk.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.True(prompt > 1);
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());

        // The streamed text is the text the same greedy request gets in one piece.
        var streamed = string.Concat(tokenChunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        using var whole = await server.PostAsync(Body.Replace("\"stream\":true,\"stream_options\":{\"include_usage\":true}", "\"stream\":false", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        Assert.Equal(streamed, doc.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(prompt, doc.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_StreamWithoutUsage_NoUsageChunk()
    {
        await using var server = await TinyServer.StartAsync();
        using var response = await server.PostAsync("""{"prompt":[1,2,3],"max_tokens":3,"stream":true,"ignore_eos":true,"seed":4}""");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, events.Length);
        Assert.DoesNotContain("usage", string.Concat(events), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_ConcurrentGreedyRequests_SameTextAsAlone()
    {
        await using var server = await TinyServer.StartAsync(maxBatch: 4);
        string Body(int i) => $$"""{"prompt":[1,{{10 + i}},{{20 + i}}],"max_tokens":{{5 + (3 * i)}},"temperature":0,"ignore_eos":true}""";
        var alone = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var r = await server.PostAsync(Body(i));
            alone.Add(await r.Content.ReadAsStringAsync());
        }

        var together = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            using var r = await server.PostAsync(Body(i));
            return await r.Content.ReadAsStringAsync();
        }));
        static string Text(string json) => JsonDocument.Parse(json).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.Equal(alone.Select(Text), together.Select(Text));
    }

    [Fact]
    public async Task Models_ListsTheServedModel()
    {
        await using var server = await TinyServer.StartAsync();
        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("v1/models"));
        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var model = Assert.Single(doc.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("tiny", model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(512, model.GetProperty("max_model_len").GetInt32());
    }

    [Theory]
    [InlineData("""{"prompt":""", null)]
    [InlineData("""[1,2]""", null)]
    [InlineData("""{"max_tokens":3}""", "prompt")]
    [InlineData("""{"prompt":[]}""", "prompt")]
    [InlineData("""{"prompt":[1,-4]}""", "prompt")]
    [InlineData("""{"prompt":[1,400]}""", "prompt")]
    [InlineData("""{"prompt":["a","b"]}""", "prompt")]
    [InlineData("""{"prompt":"a","max_tokens":0}""", "max_tokens")]
    [InlineData("""{"prompt":"a","max_tokens":"7"}""", "max_tokens")]
    [InlineData("""{"prompt":"a","max_tokens":600}""", "max_tokens")]
    [InlineData("""{"prompt":"a","temperature":-1}""", "temperature")]
    [InlineData("""{"prompt":"a","top_p":0}""", "top_p")]
    [InlineData("""{"prompt":"a","seed":1.5}""", "seed")]
    [InlineData("""{"prompt":"a","stream":"yes"}""", "stream")]
    [InlineData("""{"prompt":"a","stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"prompt":"a","n":2}""", "n")]
    [InlineData("""{"prompt":"a","stop":["x"]}""", "stop")]
    public async Task Completions_BadRequest_OpenAiError400NamingTheField(string body, string? param)
    {
        await using var server = await TinyServer.StartAsync();
        using var response = await server.PostAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Contains("fleet_serve_requests_rejected_total{reason=\"bad_request\"} 1", await server.MetricsAsync(), StringComparison.Ordinal);
        Assert.Contains("fleet_serve_requests_received_total 0", await server.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_UnknownModel_404ModelNotFound()
    {
        await using var server = await TinyServer.StartAsync();
        using var response = await server.PostAsync("""{"model":"gpt-4","prompt":"a"}""");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completions_QueueFull_429WithRetryAfter()
    {
        await using var server = await TinyServer.StartAsync(maxBatch: 1, maxQueue: 1, stepDelayMs: 20);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The running one: read its first chunk, so it holds the only batch slot.
        using var running = await server.PostAsync("""{"prompt":[1,5],"max_tokens":400,"stream":true,"ignore_eos":true}""", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await using var stream = await running.Content.ReadAsStreamAsync(cts.Token);
        await stream.ReadExactlyAsync(new byte[6], cts.Token);
        var waiting = server.PostAsync("""{"prompt":[1,6],"max_tokens":2}""", ct: cts.Token);
        await WaitForAsync(server, "fleet_serve_waiting_sequences 1");
        using var refused = await server.PostAsync("""{"prompt":[1,7],"max_tokens":2}""");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        using var doc = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("error").GetProperty("message").GetString()));
        Assert.Contains("fleet_serve_requests_rejected_total{reason=\"queue_full\"} 1", await server.MetricsAsync(), StringComparison.Ordinal);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task Completions_ClientDisconnects_SequenceCancelledAndKvCacheFreed()
    {
        await using var server = await TinyServer.StartAsync(stepDelayMs: 10);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            using var response = await server.PostAsync("""{"prompt":[1,5,6],"max_tokens":480,"stream":true,"ignore_eos":true}""", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            await stream.ReadExactlyAsync(new byte[6], cts.Token);
            Assert.Contains("fleet_serve_running_sequences 1", await server.MetricsAsync(), StringComparison.Ordinal);
            Assert.Contains("fleet_serve_kv_cache_tokens_used 483", await server.MetricsAsync(), StringComparison.Ordinal);
            await cts.CancelAsync(); // HttpClient aborts the connection
        }

        await WaitForAsync(server, "fleet_serve_requests_finished_total{reason=\"cancelled\"} 1");
        var metrics = await server.MetricsAsync();
        Assert.Contains("fleet_serve_running_sequences 0", metrics, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_kv_cache_tokens_used 0", metrics, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_kv_cache_freed_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_requests_finished_total{reason=\"length\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterRequests_PrometheusTextWithHistograms()
    {
        await using var server = await TinyServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            using var r = await server.PostAsync("""{"prompt":[1,9],"max_tokens":4,"ignore_eos":true}""");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        using var response = await server.Client.GetAsync("metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("fleet_serve_requests_received_total 3", text, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_generation_tokens_total 12", text, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_prompt_tokens_total 6", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fleet_serve_time_to_first_token_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_time_to_first_token_seconds_count 3", text, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_inter_token_latency_seconds_count 9", text, StringComparison.Ordinal);
        Assert.Contains("fleet_serve_time_to_first_token_seconds_bucket{le=\"+Inf\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fleet_serve_batch_size histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fleet_serve_running_sequences gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fleet_serve_waiting_sequences gauge", text, StringComparison.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            Assert.Matches(@"^[a-z0-9_]+(\{[a-z_]+=""[^""]+""\})? [0-9.eE+-]+$", line);
        }
    }

    private static async Task WaitForAsync(TinyServer server, string line)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await server.MetricsAsync()).Contains(line, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"metrics never showed '{line}'");
            await Task.Delay(20);
        }
    }
}
