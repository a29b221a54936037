using System.Globalization;
using System.Text;

namespace Fleet.Inference.Serving;

/// <summary>
/// What the server counts, rendered in the Prometheus text exposition format (version 0.0.4). Thread-safe: the batcher
/// records, the HTTP endpoint renders.
/// </summary>
public sealed class ServingMetrics
{
    private static readonly double[] s_latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] s_batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly Lock _lock = new();
    private readonly Histogram _ttft = new(s_latencyBuckets);
    private readonly Histogram _itl = new(s_latencyBuckets);
    private readonly Histogram _e2e = new(s_latencyBuckets);
    private readonly Histogram _batch = new(s_batchBuckets);
    private readonly Histogram _step = new(s_latencyBuckets);
    private readonly Dictionary<string, long> _finished = new(StringComparer.Ordinal) { ["stop"] = 0, ["length"] = 0, ["cancelled"] = 0 };
    private readonly Dictionary<string, long> _rejected = new(StringComparer.Ordinal) { ["queue_full"] = 0, ["bad_request"] = 0 };
    private long _received, _promptTokens, _generationTokens, _running, _waiting, _kvUsed, _kvCapacity, _kvFreed;

    /// <summary>Requests accepted into the queue.</summary>
    public long Received { get { lock (_lock) { return _received; } } }

    /// <summary>Sequences admitted and not yet gone.</summary>
    public long Running { get { lock (_lock) { return _running; } } }

    /// <summary>Requests waiting for admission.</summary>
    public long Waiting { get { lock (_lock) { return _waiting; } } }

    /// <summary>KV-cache tokens reserved by running sequences.</summary>
    public long KvTokensUsed { get { lock (_lock) { return _kvUsed; } } }

    /// <summary>Sequences whose KV cache has been freed (finished or cancelled).</summary>
    public long KvFreed { get { lock (_lock) { return _kvFreed; } } }

    /// <summary>Sequences that ended with <paramref name="reason"/>.</summary>
    public long Finished(FinishReason reason)
    {
        lock (_lock)
        {
            return _finished[Label(reason)];
        }
    }

    internal void SetCapacity(long kvTokens)
    {
        lock (_lock)
        {
            _kvCapacity = kvTokens;
        }
    }

    internal void Accepted(int promptTokens)
    {
        lock (_lock)
        {
            _received++;
            _waiting++;
            _promptTokens += promptTokens;
        }
    }

    /// <summary>Counts a request refused before it reached the queue (<c>queue_full</c> or <c>bad_request</c>).</summary>
    public void Rejected(string reason)
    {
        lock (_lock)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        }
    }

    internal void Admitted(long reservation)
    {
        lock (_lock)
        {
            _waiting--;
            _running++;
            _kvUsed += reservation;
        }
    }

    internal void DroppedWhileWaiting()
    {
        lock (_lock)
        {
            _waiting--;
            _finished["cancelled"]++;
        }
    }

    internal void Left(FinishReason reason, long reservation, double? e2eSeconds)
    {
        lock (_lock)
        {
            _running--;
            _kvUsed -= reservation;
            _kvFreed++;
            _finished[Label(reason)]++;
            if (e2eSeconds is { } e)
            {
                _e2e.Observe(e);
            }
        }
    }

    internal void Step(int sequences, double seconds)
    {
        lock (_lock)
        {
            _batch.Observe(sequences);
            _step.Observe(seconds);
        }
    }

    internal void Token(double? ttftSeconds, double? itlSeconds)
    {
        lock (_lock)
        {
            _generationTokens++;
            if (ttftSeconds is { } t)
            {
                _ttft.Observe(t);
            }

            if (itlSeconds is { } i)
            {
                _itl.Observe(i);
            }
        }
    }

    /// <summary>The Prometheus text exposition of every metric.</summary>
    public string ToPrometheusText()
    {
        var sb = new StringBuilder();
        lock (_lock)
        {
            Counter(sb, "fleet_serve_requests_received_total", "Requests accepted into the queue.", _received);
            Labelled(sb, "fleet_serve_requests_finished_total", "counter", "Requests that left the batch, by reason.", "reason", _finished);
            Labelled(sb, "fleet_serve_requests_rejected_total", "counter", "Requests refused before the queue, by reason.", "reason", _rejected);
            Counter(sb, "fleet_serve_prompt_tokens_total", "Prompt tokens of accepted requests.", _promptTokens);
            Counter(sb, "fleet_serve_generation_tokens_total", "Tokens generated.", _generationTokens);
            Gauge(sb, "fleet_serve_running_sequences", "Sequences admitted to the batch (prefilling or decoding).", _running);
            Gauge(sb, "fleet_serve_waiting_sequences", "Requests waiting for admission.", _waiting);
            Gauge(sb, "fleet_serve_kv_cache_tokens_used", "KV-cache tokens reserved by running sequences.", _kvUsed);
            Gauge(sb, "fleet_serve_kv_cache_tokens_capacity", "KV-cache token budget.", _kvCapacity);
            Counter(sb, "fleet_serve_kv_cache_freed_total", "Sequences whose KV cache was freed.", _kvFreed);
            _batch.Write(sb, "fleet_serve_batch_size", "Sequences in each engine step.");
            _step.Write(sb, "fleet_serve_step_seconds", "Duration of each engine step.");
            _ttft.Write(sb, "fleet_serve_time_to_first_token_seconds", "Time from arrival to the first token.");
            _itl.Write(sb, "fleet_serve_inter_token_latency_seconds", "Time between consecutive tokens of a sequence.");
            _e2e.Write(sb, "fleet_serve_e2e_request_latency_seconds", "Time from arrival to the last token.");
        }

        return sb.ToString();
    }

    private static string Label(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => "cancelled",
    };

    private static void Counter(StringBuilder sb, string name, string help, long value) => Single(sb, name, "counter", help, value);

    private static void Gauge(StringBuilder sb, string name, string help, long value) => Single(sb, name, "gauge", help, value);

    private static void Single(StringBuilder sb, string name, string type, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static void Labelled(StringBuilder sb, string name, string type, string help, string label, Dictionary<string, long> values)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}{{{label}=\"{key}\"}} {value}\n");
        }
    }

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length];
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            _count++;
            _sum += value;
            var i = Array.BinarySearch(bounds, value);
            for (var b = i >= 0 ? i : ~i; b < bounds.Length; b++)
            {
                _counts[b]++;
            }
        }

        public void Write(StringBuilder sb, string name, string help)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
            for (var b = 0; b < bounds.Length; b++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{Number(bounds[b])}\"}} {_counts[b]}\n");
            }

            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {_count}\n{name}_sum {Number(_sum)}\n{name}_count {_count}\n");
        }
    }
}
