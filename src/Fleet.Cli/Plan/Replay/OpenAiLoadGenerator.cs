using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Planning.Workload;

namespace Fleet.Cli.Plan.Replay;

/// <summary>What one replayed request measured; times are seconds since the run started, NaN where it never got there.</summary>
/// <param name="Scheduled">When the arrival process said it should be sent.</param>
/// <param name="Sent">When it was sent (open loop: never waits for earlier requests).</param>
/// <param name="TokenTimes">When each streamed chunk that carried a token arrived.</param>
/// <param name="OutputTokens">Tokens produced: the server's usage count when it sent one, else the chunks with text.</param>
public sealed record ReplayedRequest(
    int Index, double Scheduled, double Sent, int PromptTokens, int RequestedOutputTokens, IReadOnlyList<double> TokenTimes,
    int OutputTokens, double Finished, string? Error)
{
    public bool Completed => Error is null && TokenTimes.Count > 0;
    public double FirstToken => TokenTimes.Count > 0 ? TokenTimes[0] : double.NaN;
    /// <summary>The last token's time (the simulator's "finished").</summary>
    public double LastToken => TokenTimes.Count > 0 ? TokenTimes[^1] : double.NaN;
}

/// <summary>Options of one replay.</summary>
/// <param name="Model">The <c>model</c> field sent; null asks <c>GET /v1/models</c> for the first one.</param>
/// <param name="RequestTimeout">Per request, from send to <c>[DONE]</c>.</param>
public sealed record LoadGeneratorOptions(string? Model = null, TimeSpan? RequestTimeout = null, int Seed = 1);

/// <summary>
/// An open-loop load generator over the OpenAI completions API, as vLLM's <c>benchmark_serving</c> drives a server: each
/// request is sent at its arrival time whether or not earlier ones finished, as <c>POST /v1/completions</c> with
/// <c>stream: true</c> (with usage), <c>ignore_eos: true</c>, <c>max_tokens</c> = its output length and a prompt of token ids of its
/// prompt length, and the time of every streamed chunk is recorded. Works against any OpenAI-compatible server.
/// </summary>
public sealed class OpenAiLoadGenerator(HttpClient http)
{
    /// <summary>Prompt ids are drawn from [3, 259): the byte-fallback tokens every Llama-family vocabulary has.</summary>
    private const int FirstPromptId = 3;
    private const int PromptIdRange = 256;
    private const string StepMetric = "fleet_serve_step_seconds";

    /// <summary>The first model <c>GET /v1/models</c> lists.</summary>
    public async Task<string> FirstModelAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri("v1/models", UriKind.Relative), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {http.BaseAddress}v1/models answered {(int)response.StatusCode}: {Shorten(body)}");
        }

        var id = JsonNode.Parse(body)?["data"]?.AsArray().FirstOrDefault()?["id"]?.GetValue<string>();
        return id ?? throw new HttpRequestException($"GET {http.BaseAddress}v1/models lists no model: {Shorten(body)}");
    }

    /// <summary>
    /// The engine's own step time so far, from the server's Prometheus <c>GET /metrics</c>: the sum and count of the
    /// <c>fleet_serve_step_seconds</c> histogram (<c>fleet infer serve</c>). Null when the server has no such metric.
    /// </summary>
    public Task<(double Seconds, long Steps)?> EngineStepSecondsAsync(CancellationToken ct) => HistogramAsync(StepMetric, ct);

    /// <summary>The sum and count of histogram <paramref name="name"/> in the server's <c>GET /metrics</c>; null when it has none.</summary>
    public async Task<(double Sum, long Count)?> HistogramAsync(string name, CancellationToken ct)
    {
        string text;
        try
        {
            using var response = await http.GetAsync(new Uri("metrics", UriKind.Relative), ct);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            text = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }

        double? sum = null;
        long? count = null;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                continue;
            }

            if (parts[0] == name + "_sum" && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            {
                sum = s;
            }
            else if (parts[0] == name + "_count" && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c))
            {
                count = c;
            }
        }

        return sum is { } total && count is { } n ? (total, n) : null;
    }

    /// <summary>Replays <paramref name="requests"/> at their arrival times; returns one record per request, in order.</summary>
    public async Task<IReadOnlyList<ReplayedRequest>> RunAsync(
        RequestSet requests, LoadGeneratorOptions options, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(options);
        var model = options.Model ?? await FirstModelAsync(ct);
        var random = SeededRandom.ForStream(options.Seed, 7);
        var prompts = new int[requests.Count][];
        for (var i = 0; i < requests.Count; i++)
        {
            prompts[i] = new int[requests.PromptTokens[i]];
            for (var k = 0; k < prompts[i].Length; k++)
            {
                prompts[i][k] = FirstPromptId + random.Next(PromptIdRange);
            }
        }

        var timeout = options.RequestTimeout ?? TimeSpan.FromMinutes(10);
        var clock = Stopwatch.StartNew();
        var tasks = new Task<ReplayedRequest>[requests.Count];
        var lastReport = TimeSpan.Zero;
        for (var i = 0; i < requests.Count; i++)
        {
            // Timers may fire a millisecond or two early: sleep to just short of the arrival, then spin to it (never send early).
            var due = TimeSpan.FromSeconds(requests.Arrivals[i]);
            while (clock.Elapsed < due)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(3))
                {
                    await Task.Delay(wait - TimeSpan.FromMilliseconds(2), ct);
                }
                else
                {
                    Thread.SpinWait(64);
                }
            }

            var index = i;
            tasks[i] = Task.Run(() => SendAsync(index, requests, prompts[index], model, clock, timeout, ct), ct);
            if (progress is not null && clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
            {
                lastReport = clock.Elapsed;
                progress.Report(string.Create(CultureInfo.InvariantCulture, $"t = {clock.Elapsed.TotalSeconds:F0} s: {i + 1} of {requests.Count} requests sent"));
            }
        }

        return await Task.WhenAll(tasks);
    }

    private async Task<ReplayedRequest> SendAsync(
        int index, RequestSet requests, int[] prompt, string model, Stopwatch clock, TimeSpan timeout, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["prompt"] = new JsonArray([.. prompt.Select(id => (JsonNode)id)]),
            ["max_tokens"] = requests.OutputTokens[index],
            ["stream"] = true,
            ["ignore_eos"] = true,
            ["temperature"] = 0,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        var times = new List<double>(requests.OutputTokens[index]);
        int? usage = null;
        var lastWasEmptyFinish = false;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var sent = clock.Elapsed.TotalSeconds;
        ReplayedRequest Result(string? error) => new(
            index, requests.Arrivals[index], sent, requests.PromptTokens[index], requests.OutputTokens[index], times,
            usage ?? times.Count, clock.Elapsed.TotalSeconds, error);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/completions", UriKind.Relative))
            {
                Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cts.Token);
                return Result(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}: {Shorten(text)}"));
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var done = false;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                var now = clock.Elapsed.TotalSeconds;
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]"))
                {
                    done = true;
                    break;
                }

                var chunk = JsonNode.Parse(data.ToString());
                if (chunk?["error"] is { } error)
                {
                    return Result("stream error: " + Shorten(error.ToJsonString()));
                }

                // Every chunk with a choice's text is a token (its text may be empty while the server holds back the bytes of an
                // unfinished character); a closing chunk with empty text and a finish_reason is dropped below when usage shows
                // it was not one (OpenAI sends such a chunk, Fleet's and vLLM's servers finish on the last token's own chunk).
                if (chunk?["choices"] is JsonArray { Count: > 0 } choices && choices[0] is JsonObject choice
                    && choice["text"] is JsonValue textValue && textValue.TryGetValue<string>(out var text))
                {
                    times.Add(now);
                    lastWasEmptyFinish = text.Length == 0 && choice["finish_reason"] is not null;
                }

                if (chunk?["usage"]?["completion_tokens"] is JsonValue tokens && tokens.TryGetValue<int>(out var n))
                {
                    usage = n;
                }
            }

            if (usage is { } produced && times.Count > produced && lastWasEmptyFinish)
            {
                times.RemoveAt(times.Count - 1);
            }

            return Result(done ? null : "the stream ended without data: [DONE]");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Result(string.Create(CultureInfo.InvariantCulture, $"no [DONE] within {timeout.TotalSeconds:F0} s"));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
        {
            return Result($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
