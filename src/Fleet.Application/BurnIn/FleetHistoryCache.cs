using System.Collections.Concurrent;
using Fleet.Domain.Catalog;

namespace Fleet.Application.BurnIn;

/// <summary>
/// The fleet's recent passing TFLOP/s per (model, stand-in), kept for <see cref="Lifetime"/> once a model has a full window of
/// history: thousands of posts in a campaign then share one read instead of each re-reading the same 200 runs.
/// </summary>
public sealed class FleetHistoryCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(int Model, bool StandIn), (DateTime At, IReadOnlyDictionary<Precision, IReadOnlyList<double>> Values)> _entries = new();

    public bool TryGet(int modelId, bool standIn, DateTime nowUtc, out IReadOnlyDictionary<Precision, IReadOnlyList<double>> values)
    {
        if (_entries.TryGetValue((modelId, standIn), out var entry) && nowUtc - entry.At < Lifetime)
        {
            values = entry.Values;
            return true;
        }

        values = new Dictionary<Precision, IReadOnlyList<double>>();
        return false;
    }

    public void Set(int modelId, bool standIn, DateTime nowUtc, IReadOnlyDictionary<Precision, IReadOnlyList<double>> values) =>
        _entries[(modelId, standIn)] = (nowUtc, values);
}
