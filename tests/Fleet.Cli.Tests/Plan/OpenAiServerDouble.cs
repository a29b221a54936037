using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fleet.Cli.Tests.Plan;

/// <summary>
/// A tiny OpenAI-compatible completions server on Kestrel at 127.0.0.1 for the load generator's tests: every request is
/// served on its own (no batching), its first token after <see cref="FirstTokenDelay"/> and each further token after
/// <see cref="TokenDelay"/>, streamed as server-sent events ending in <c>data: [DONE]</c> with a usage chunk.
/// </summary>
public sealed class OpenAiServerDouble : IAsyncDisposable
{
    public const string ModelId = "stub-model";

    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private OpenAiServerDouble(WebApplication app)
    {
        _app = app;
        Url = app.Urls.First();
    }

    public string Url { get; }

    public TimeSpan FirstTokenDelay { get; set; } = TimeSpan.FromMilliseconds(30);
    public TimeSpan TokenDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Ends the stream as OpenAI's API does: a last chunk with empty text and the finish_reason, after the tokens.</summary>
    public bool SeparateFinishChunk { get; set; }

    /// <summary>Requests whose prompt is longer than this get a 400 with OpenAI's error shape.</summary>
    public int MaxPromptTokens { get; set; } = 100_000;

    /// <summary>Each completion request's body and when it arrived (seconds on the double's clock).</summary>
    public ConcurrentQueue<(double At, JsonObject Body)> Received { get; } = new();

    public static async Task<OpenAiServerDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        OpenAiServerDouble? self = null;
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = ModelId, @object = "model" } } }));
        app.MapPost("/v1/completions", async (HttpContext c, JsonObject body) => await self!.CompleteAsync(c, body));
        await app.StartAsync();
        self = new OpenAiServerDouble(app);
        return self;
    }

    private async Task CompleteAsync(HttpContext context, JsonObject body)
    {
        Received.Enqueue((_clock.Elapsed.TotalSeconds, body));
        var prompt = body["prompt"] as JsonArray;
        if (prompt is null || prompt.Count > MaxPromptTokens)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "prompt is too long", type = "invalid_request_error", param = "prompt" } });
            return;
        }

        var tokens = body["max_tokens"]!.GetValue<int>();
        context.Response.ContentType = "text/event-stream";
        var ct = context.RequestAborted;
        var due = Stopwatch.StartNew();
        var next = FirstTokenDelay;
        for (var i = 0; i < tokens; i++)
        {
            var wait = next - due.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }

            // Each token at least TokenDelay after the one before, even when the machine made the previous one late.
            next = due.Elapsed + TokenDelay;
            var chunk = new JsonObject
            {
                ["id"] = "cmpl-1",
                ["object"] = "text_completion",
                ["model"] = ModelId,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["text"] = " t" + i.ToString(CultureInfo.InvariantCulture), ["finish_reason"] = i == tokens - 1 && !SeparateFinishChunk ? "length" : null }),
            };
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
        }

        if (SeparateFinishChunk)
        {
            await context.Response.WriteAsync("data: {\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}\n\n", ct);
        }

        var usage = new JsonObject
        {
            ["choices"] = new JsonArray(),
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt.Count, ["completion_tokens"] = tokens, ["total_tokens"] = prompt.Count + tokens },
        };
        await context.Response.WriteAsync("data: " + usage.ToJsonString() + "\n\ndata: [DONE]\n\n", ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
