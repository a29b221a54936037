using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Inference.Serving;
using Fleet.Inference.Tokenization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fleet.Cli.Infer.Serve;

/// <summary>What the server serves: the batcher over the engine, the tokenizer for text prompts, the model's name.</summary>
public sealed record ServedModel(string Name, ContinuousBatcher Batcher, Llama2Tokenizer Tokenizer, int VocabSize);

/// <summary>
/// The OpenAI-compatible HTTP surface of <c>fleet infer serve</c> on Kestrel: <c>POST /v1/completions</c> (with
/// server-sent events), <c>GET /v1/models</c>, <c>GET /metrics</c> (Prometheus text) and <c>GET /health</c>.
/// </summary>
public sealed class ServeHost : IAsyncDisposable
{
    /// <summary>Largest request body accepted (then 413).</summary>
    public const long MaxBodyBytes = 4L << 20;

    private static readonly JsonWriterOptions s_writer = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly WebApplication _app;

    private ServeHost(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>Where it listens (the real ports when a URL asked for port 0).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Starts listening on <paramref name="urls"/> (e.g. <c>http://127.0.0.1:8000</c>; port 0 picks a free one).</summary>
    public static async Task<ServeHost> StartAsync(ServedModel model, IReadOnlyList<string> urls, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(time);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter((category, level) => level >= LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
        });
        builder.Services.AddSingleton(model);
        builder.Services.AddSingleton(time);
        var app = builder.Build();
        app.MapPost("/v1/completions", (HttpContext context) => CompleteAsync(context, model, time));
        app.MapGet("/v1/models", (HttpContext context) => ModelsAsync(context, model, time));
        app.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Response.WriteAsync(model.Batcher.Metrics.ToPrometheusText(), context.RequestAborted);
        });
        app.MapGet("/health", () => Results.Ok());
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel did not report its addresses.");
        return new ServeHost(app, [.. addresses.Select(a => new Uri(a.TrimEnd('/') + "/"))]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static async Task ModelsAsync(HttpContext context, ServedModel model, TimeProvider time)
    {
        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_writer))
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            w.WriteStartObject();
            w.WriteString("id", model.Name);
            w.WriteString("object", "model");
            w.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
            w.WriteString("owned_by", "fleet");
            w.WriteNumber("max_model_len", model.Batcher.MaxRequestTokens);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static async Task CompleteAsync(HttpContext context, ServedModel model, TimeProvider time)
    {
        var aborted = context.RequestAborted;
        CompletionRequest request;
        List<int> prompt;
        try
        {
            var body = await ReadBodyAsync(context, aborted);
            request = CompletionRequestParser.Parse(body);
            if (request.Model is { } name && !string.Equals(name, model.Name, StringComparison.Ordinal))
            {
                throw new CompletionRequestException($"The model `{name}` does not exist (this server serves `{model.Name}`).", "model", 404, code: "model_not_found");
            }

            prompt = request.PromptTokens is { } ids ? [.. ids] : model.Tokenizer.Encode(request.Prompt ?? string.Empty, bos: true, eos: false);
            for (var i = 0; i < prompt.Count; i++)
            {
                if (prompt[i] >= model.VocabSize)
                {
                    throw new CompletionRequestException(string.Create(CultureInfo.InvariantCulture, $"prompt[{i}] = {prompt[i]} is outside the vocabulary [0, {model.VocabSize})."), "prompt");
                }
            }

            var limit = model.Batcher.MaxRequestTokens;
            if (prompt.Count + (long)request.MaxTokens > limit)
            {
                throw new CompletionRequestException(string.Create(CultureInfo.InvariantCulture,
                    $"This model's maximum context length is {limit} tokens, however you requested {prompt.Count + (long)request.MaxTokens} tokens ({prompt.Count} in your prompt; {request.MaxTokens} for the completion). Please reduce your prompt; or completion length."),
                    "max_tokens");
            }
        }
        catch (CompletionRequestException ex)
        {
            model.Batcher.Metrics.Rejected("bad_request");
            await WriteErrorAsync(context, ex.Status, ex.Message, ex.Type, ex.Param, ex.Code);
            return;
        }
        catch (BadHttpRequestException ex)
        {
            model.Batcher.Metrics.Rejected("bad_request");
            await WriteErrorAsync(context, ex.StatusCode, ex.Message, "invalid_request_error", null, null);
            return;
        }

        var seed = request.Seed is { } s ? unchecked((ulong)s) : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        if (seed == 0)
        {
            seed = 0x9E3779B97F4A7C15UL; // xorshift never leaves 0: seed 0 maps to a fixed non-zero state
        }

        ServeSequence sequence;
        try
        {
            sequence = model.Batcher.Submit(new ServeRequest(prompt, request.MaxTokens, request.Temperature, request.TopP, seed, request.IgnoreEos), aborted);
        }
        catch (QueueFullException ex)
        {
            context.Response.Headers.RetryAfter = "1";
            await WriteErrorAsync(context, 429, ex.Message, "rate_limit_error", null, "queue_full");
            return;
        }
        catch (ArgumentException ex)
        {
            model.Batcher.Metrics.Rejected("bad_request");
            await WriteErrorAsync(context, 400, ex.Message, "invalid_request_error", "prompt", null);
            return;
        }

        var id = "cmpl-" + sequence.Id.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        try
        {
            if (request.Stream)
            {
                await StreamAsync(context, model, request, sequence, prompt, id, created, aborted);
            }
            else
            {
                await RespondAsync(context, model, sequence, prompt, id, created, aborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            // The client went away: the batcher sees the same token, drops the sequence and frees its KV cache.
        }
    }

    private static async Task RespondAsync(HttpContext context, ServedModel model, ServeSequence sequence, List<int> prompt, string id, long created, CancellationToken aborted)
    {
        var text = new TextAccumulator(model.Tokenizer, prompt[^1]);
        var count = 0;
        string? finish = null;
        try
        {
            await foreach (var t in sequence.Tokens.ReadAllAsync(aborted))
            {
                count++;
                text.Add(t);
                finish = t.IsLast ? (t.IsStop ? "stop" : "length") : null;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await WriteErrorAsync(context, 500, "The engine failed on this request: " + ex.Message, "server_error", null, null);
            return;
        }

        if (await sequence.Finished == FinishReason.Cancelled)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_writer))
        {
            w.WriteStartObject();
            Header(w, id, created, model.Name);
            w.WriteStartArray("choices");
            Choice(w, text.Take(final: true), finish);
            w.WriteEndArray();
            Usage(w, prompt.Count, count);
            w.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, aborted);
    }

    private static async Task StreamAsync(
        HttpContext context, ServedModel model, CompletionRequest request, ServeSequence sequence, List<int> prompt, string id, long created, CancellationToken aborted)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var body = context.Response.Body;
        var text = new TextAccumulator(model.Tokenizer, prompt[^1]);
        var count = 0;
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            await foreach (var t in sequence.Tokens.ReadAllAsync(aborted))
            {
                count++;
                text.Add(t);
                buffer.ResetWrittenCount();
                WriteEvent(buffer, w =>
                {
                    Header(w, id, created, model.Name);
                    w.WriteStartArray("choices");
                    Choice(w, text.Take(final: t.IsLast), t.IsLast ? (t.IsStop ? "stop" : "length") : null);
                    w.WriteEndArray();
                    if (request.IncludeUsage)
                    {
                        w.WriteNull("usage");
                    }
                });
                await body.WriteAsync(buffer.WrittenMemory, aborted);
                await body.FlushAsync(aborted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not IOException)
        {
            buffer.ResetWrittenCount();
            WriteEvent(buffer, w =>
            {
                w.WriteStartObject("error");
                w.WriteString("message", "The engine failed on this request: " + ex.Message);
                w.WriteString("type", "server_error");
                w.WriteNull("param");
                w.WriteNull("code");
                w.WriteEndObject();
            });
            await body.WriteAsync(buffer.WrittenMemory, aborted);
            await body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), aborted);
            return;
        }

        if (await sequence.Finished == FinishReason.Cancelled)
        {
            return;
        }

        buffer.ResetWrittenCount();
        if (request.IncludeUsage)
        {
            WriteEvent(buffer, w =>
            {
                Header(w, id, created, model.Name);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                Usage(w, prompt.Count, count);
            });
        }

        buffer.Write("data: [DONE]\n\n"u8);
        await body.WriteAsync(buffer.WrittenMemory, aborted);
        await body.FlushAsync(aborted);
    }

    private static void WriteEvent(ArrayBufferWriter<byte> buffer, Action<Utf8JsonWriter> content)
    {
        buffer.Write("data: "u8);
        using (var w = new Utf8JsonWriter(buffer, s_writer))
        {
            w.WriteStartObject();
            content(w);
            w.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
    }

    private static void Header(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void Choice(Utf8JsonWriter w, string text, string? finish)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", 0);
        w.WriteNull("logprobs");
        if (finish is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finish);
        }

        w.WriteEndObject();
    }

    private static void Usage(Utf8JsonWriter w, int prompt, int completion)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteEndObject();
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        await context.Request.Body.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? param, string? code)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_writer))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            if (param is null)
            {
                w.WriteNull("param");
            }
            else
            {
                w.WriteString("param", param);
            }

            if (code is null)
            {
                w.WriteNull("code");
            }
            else
            {
                w.WriteString("code", code);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None);
    }

    /// <summary>Turns tokens into text as run.c prints them, holding back bytes of a UTF-8 character split across tokens.</summary>
    private sealed class TextAccumulator(Llama2Tokenizer tokenizer, int previous)
    {
        private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
        private readonly StringBuilder _pending = new();
        private int _previous = previous;

        public void Add(ServeToken t)
        {
            if (!t.IsStop)
            {
                var bytes = tokenizer.DecodePrintable(_previous, t.Token);
                Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(bytes.Length) + 2];
                var n = _utf8.GetChars(bytes, chars, flush: false);
                _pending.Append(chars[..n]);
            }

            _previous = t.Token;
        }

        public string Take(bool final)
        {
            if (final)
            {
                Span<char> chars = stackalloc char[8];
                var n = _utf8.GetChars([], chars, flush: true);
                _pending.Append(chars[..n]);
            }

            var s = _pending.ToString();
            _pending.Clear();
            return s;
        }
    }
}
