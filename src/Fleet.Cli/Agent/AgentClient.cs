using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Fleet.Cli.Agent;

/// <summary>The server could not be reached or answered 5xx/408/429: try again later.</summary>
public sealed class ServerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server refused the token (401/403): retrying cannot help.</summary>
public sealed class AgentUnauthorizedException(string message) : Exception(message);

/// <summary>What became of a posted result.</summary>
public enum PostStatus
{
    /// <summary>200: the server has it (for a repeated identical document, the same runs again).</summary>
    Stored,
    /// <summary>A 4xx other than 401/403: the server will never take this document (409 different content or a lost lease, 400, 413, 422 …).</summary>
    Refused,
}

/// <summary>The answer to a result post: status, the stored run ids, and for a refusal the HTTP status and problem text.</summary>
public sealed record PostOutcome(PostStatus Status, IReadOnlyList<string> RunIds, int StatusCode, string? Problem);

/// <summary>
/// The agent's side of the HTTP protocol (DESIGN.md, "The agent protocol"): claim, heartbeat, post results. Transport failures
/// and 5xx become <see cref="ServerUnavailableException"/> so callers retry; 401/403 become <see cref="AgentUnauthorizedException"/>.
/// </summary>
public sealed class AgentClient
{
    /// <summary>The route a job's results go to.</summary>
    public static string ResultsPath(string jobId) => $"api/agent/jobs/{Uri.EscapeDataString(jobId)}/results";

    /// <summary>The route a profile job's <c>fleet.inference-profile/v1</c> document goes to.</summary>
    public static string ProfilePath(string jobId) => $"api/agent/jobs/{Uri.EscapeDataString(jobId)}/profile";

    /// <summary>The route a one-off run (no job, <c>fleet gpu burnin --report</c>) goes to.</summary>
    public const string OneOffRunsPath = "api/burnin/runs";

    /// <summary>The header naming the agent that claimed a job; the server checks it against the job's holder when it is sent.</summary>
    public const string AgentIdHeader = "Fleet-Agent-Id";

    private readonly HttpClient _http;

    /// <summary>Uses <paramref name="http"/> as is; its BaseAddress must be the server's root URL.</summary>
    public AgentClient(HttpClient http, string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _http = http;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>This agent's id: sent as <see cref="AgentIdHeader"/> with its claims and heartbeats (a result carries the id of the agent that claimed its job).</summary>
    public string? AgentId { get; init; }

    /// <summary>Creates a client for <paramref name="server"/>; throws <see cref="ArgumentException"/> naming the option on a bad URL.</summary>
    public static AgentClient Create(string server, string token, TimeSpan? timeout = null, string? agentId = null)
    {
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"--server '{server}' is not an http:// or https:// URL");
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ArgumentException("no token: pass --token or set FLEET_TOKEN");
        }

        return new AgentClient(new HttpClient { BaseAddress = uri, Timeout = timeout ?? TimeSpan.FromSeconds(30) }, token) { AgentId = agentId };
    }

    /// <summary>Claims the host's next job; null when the server has none (204).</summary>
    public async Task<ClaimedJob?> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(() => WithAgentId(new HttpRequestMessage(HttpMethod.Post, "api/agent/claim")
        {
            Content = JsonContent.Create(request, options: AgentJson.Options),
        }, request.AgentId), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"claim refused: {await DescribeAsync(response, ct).ConfigureAwait(false)}");
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<ClaimedJob>(AgentJson.Options, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("claim answered 200 without a job");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"claim answered 200 with something that is not a job: {ex.Message}", ex);
        }
    }

    /// <summary>Extends the lease; false when the server says the job is no longer this agent's (409/404/410).</summary>
    public async Task<bool> HeartbeatAsync(string jobId, HeartbeatRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(() => WithAgentId(new HttpRequestMessage(HttpMethod.Post, $"api/agent/jobs/{Uri.EscapeDataString(jobId)}/heartbeat")
        {
            Content = JsonContent.Create(request, options: AgentJson.Options),
        }, AgentId), ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return false;
        }

        throw new InvalidOperationException($"heartbeat refused: {await DescribeAsync(response, ct).ConfigureAwait(false)}");
    }

    /// <summary>
    /// Posts a <c>fleet.burnin/v1</c> document byte for byte (the server's idempotency compares content). <paramref name="agentId"/>
    /// is the agent that claimed the job (kept in the spool, so a restarted agent re-posts under the id that holds the job).
    /// </summary>
    public async Task<PostOutcome> PostResultAsync(string path, string json, CancellationToken ct, string? agentId = null)
    {
        using var response = await SendAsync(() => WithAgentId(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        }, agentId), ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return new PostOutcome(PostStatus.Stored, RunIdsOf(body), (int)response.StatusCode, null);
        }

        return new PostOutcome(PostStatus.Refused, [], (int)response.StatusCode, await DescribeAsync(response, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// The run ids of a results answer: an array of ids, or an object whose <c>runIds</c>/<c>runs</c> holds ids or objects with
    /// <c>id</c>/<c>runId</c>. Anything else yields none (the post still counts as stored).
    /// </summary>
    public static IReadOnlyList<string> RunIdsOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in new[] { "runIds", "runs", "RunIds", "Runs" })
                {
                    if (root.TryGetProperty(name, out var list))
                    {
                        root = list;
                        break;
                    }
                }
            }

            return root.ValueKind != JsonValueKind.Array
                ? []
                : root.EnumerateArray().Select(IdOf).OfType<string>().ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string? IdOf(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.Object => e.TryGetProperty("id", out var id) || e.TryGetProperty("runId", out id) ? IdOf(id) : null,
        _ => null,
    };

    private static HttpRequestMessage WithAgentId(HttpRequestMessage request, string? agentId)
    {
        if (!string.IsNullOrEmpty(agentId))
        {
            request.Headers.TryAddWithoutValidation(AgentIdHeader, agentId);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        HttpResponseMessage response;
        using var request = build();
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnavailableException($"{_http.BaseAddress} unreachable: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ServerUnavailableException($"{_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s", ex);
        }

        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
        {
            var what = await DescribeAsync(response, ct).ConfigureAwait(false);
            response.Dispose();
            throw new ServerUnavailableException($"{request.RequestUri} answered {what}");
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var what = await DescribeAsync(response, ct).ConfigureAwait(false);
            response.Dispose();
            throw new AgentUnauthorizedException($"{request.RequestUri} refused the token: {what}");
        }

        return response;
    }

    /// <summary>"409 Conflict: title — detail" from a problem-details body, or the status alone.</summary>
    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase}");
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return status;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var title = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { status, string.Join(" — ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s))) }.Where(s => s.Length > 0));
        }
        catch (JsonException)
        {
            return body.Length == 0 ? status : $"{status}: {(body.Length > 300 ? body[..300] : body)}";
        }
    }
}
