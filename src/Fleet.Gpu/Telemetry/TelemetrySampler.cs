using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;

namespace Fleet.Gpu.Telemetry;

/// <summary>Samples a telemetry source on the injected clock until stopped; a failing read ends sampling, not the run.</summary>
public sealed class TelemetrySampler(ITelemetrySource source, TimeProvider time, TimeSpan interval)
{
    private readonly List<TelemetrySnapshot> _samples = [];
    private readonly Lock _lock = new();

    /// <summary>The samples so far (a copy).</summary>
    public IReadOnlyList<TelemetrySnapshot> Samples
    {
        get
        {
            lock (_lock)
            {
                return _samples.ToList();
            }
        }
    }

    /// <summary>The latest sample, if any.</summary>
    public TelemetrySnapshot? Latest
    {
        get
        {
            lock (_lock)
            {
                return _samples.Count > 0 ? _samples[^1] : null;
            }
        }
    }

    /// <summary>Why sampling stopped early, if it did.</summary>
    public string? Error { get; private set; }

    /// <summary>Samples every interval until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (!source.IsAvailable)
        {
            return;
        }

        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
                var s = source.Read(time.GetUtcNow());
                lock (_lock)
                {
                    _samples.Add(s);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is Native.NvmlException or InvalidOperationException)
        {
            Error = ex.Message;
        }
    }

    /// <summary>Summarises before/after snapshots and the samples into the deltas the result reports.</summary>
    public static TelemetrySummary Summarise(ITelemetrySource source, TimeSpan interval, TelemetrySnapshot before, TelemetrySnapshot after, IReadOnlyList<TelemetrySnapshot> samples)
    {
        var all = samples.Prepend(before).Append(after).ToList();
        static long? D(ulong? b, ulong? a) => b is { } x && a is { } y ? (long)(y - x) : null;
        return new TelemetrySummary
        {
            Available = source.IsAvailable,
            UnavailableReason = source.UnavailableReason,
            SampleIntervalSeconds = interval.TotalSeconds,
            Before = before,
            After = after,
            Samples = samples,
            MaxTemperatureC = all.Max(s => s.TemperatureC),
            MaxPowerW = all.Max(s => s.PowerW),
            EnergyJ = before.EnergyJ is { } e0 && after.EnergyJ is { } e1 ? e1 - e0 : null,
            EccCorrectedDelta = D(before.EccCorrectedVolatile, after.EccCorrectedVolatile),
            EccUncorrectedDelta = D(before.EccUncorrectedVolatile, after.EccUncorrectedVolatile),
            PcieReplayDelta = before.PcieReplayCounter is { } r0 && after.PcieReplayCounter is { } r1 ? (long)r1 - r0 : null,
            ClockEventReasonsSeen = all.SelectMany(s => s.ClockEventReasonNames()).Distinct().ToList(),
            XidErrors = all.SelectMany(s => s.XidErrors).ToList(),
        };
    }
}
