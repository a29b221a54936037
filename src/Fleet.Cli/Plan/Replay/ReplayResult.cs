using System.Globalization;
using System.Text.Json.Serialization;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;

namespace Fleet.Cli.Plan.Replay;

/// <summary>What <c>fleet plan replay</c> measured against a server (<c>fleet.plan-replay/v1</c>): the simulator's summary plus inter-token latencies.</summary>
public sealed record ReplayResult
{
    public const string CurrentSchema = "fleet.plan-replay/v1";

    public string Schema { get; init; } = CurrentSchema;
    public required string Server { get; init; }
    public required string Model { get; init; }
    public string? Scenario { get; init; }
    public int Seed { get; init; }
    /// <summary>Last token of the last request, seconds after the first scheduled arrival.</summary>
    public double MakespanSeconds { get; init; }
    public long Failed { get; init; }
    public required ServingSummary Summary { get; init; }
    /// <summary>Gaps between consecutive streamed tokens of a request, over all requests.</summary>
    public required LatencyStats InterToken { get; init; }
    /// <summary>How late requests were sent against their schedule (client overhead; should stay near 0).</summary>
    public required LatencyStats SendLag { get; init; }
    /// <summary>Up to ten distinct errors, with how often each occurred.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Per request, for plots and checks; not serialized.</summary>
    [JsonIgnore]
    public IReadOnlyList<ReplayedRequest> Requests { get; init; } = [];

    /// <summary>Summarises measured requests with the simulator's own summary code (<see cref="ServingSummary.Compute"/>).</summary>
    public static ReplayResult From(string server, string model, Scenario? scenario, SloSpec slo, IReadOnlyList<ReplayedRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var completed = new List<CompletedRequest>(requests.Count);
        var gaps = new List<double>();
        var lag = new List<double>(requests.Count);
        var makespan = 0.0;
        foreach (var r in requests)
        {
            lag.Add(Math.Max(0, r.Sent - r.Scheduled));
            if (!r.Completed)
            {
                continue;
            }

            // Measured from the send, as the server saw the request; the send lag is reported on its own.
            completed.Add(new CompletedRequest(r.Sent, r.FirstToken, r.LastToken, r.PromptTokens, r.OutputTokens));
            for (var k = 1; k < r.TokenTimes.Count; k++)
            {
                gaps.Add(r.TokenTimes[k] - r.TokenTimes[k - 1]);
            }

            makespan = Math.Max(makespan, r.LastToken);
        }

        var errors = requests.Where(r => r.Error is not null).GroupBy(r => r.Error!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).Take(10)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} x {g.Key}")).ToList();
        return new ReplayResult
        {
            Server = server,
            Model = model,
            Scenario = scenario?.Name,
            Seed = scenario?.Seed ?? 0,
            MakespanSeconds = makespan,
            Failed = requests.Count(r => !r.Completed),
            Summary = ServingSummary.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(completed), requests.Count, slo, makespan),
            InterToken = LatencyStatistics.Of(gaps, 50, out _),
            SendLag = LatencyStatistics.Of(lag, 50, out _),
            Errors = errors,
            Requests = requests,
        };
    }
}
