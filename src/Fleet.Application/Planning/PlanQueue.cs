using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Fleet.Application.Planning;

/// <summary>Limits of the background plan queue.</summary>
public sealed class PlanningOptions
{
    /// <summary>Runs that may wait at once; a submission beyond it is refused (HTTP 503).</summary>
    public int QueueCapacity { get; set; } = 32;
    /// <summary>How often a running plan's progress is written to the database.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The plan queue is full: nothing was stored; try again when a run has finished.</summary>
public sealed class PlanQueueFullException(int capacity)
    : InvalidOperationException($"The plan queue is full ({capacity} runs waiting); nothing was stored. Try again when a run has finished.")
{
    public int Capacity { get; } = capacity;
}

/// <summary>
/// The in-process side of the plan queue (a singleton): a bounded channel of run ids, the cancellation source of each
/// queued or running run, and the live progress of the running one. The database holds the state; this holds the work.
/// </summary>
public sealed class PlanQueue(PlanningOptions options, TimeProvider time)
{
    private readonly Channel<int> _channel = Channel.CreateBounded<int>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ConcurrentDictionary<int, CancellationTokenSource> _cancellations = new();
    private readonly ConcurrentDictionary<int, double> _progress = new();

    /// <summary>When this process's queue came up: non-final runs created before it were lost with a restart.</summary>
    public DateTime StartedAt { get; } = time.GetUtcNow().UtcDateTime;

    public int Capacity => Math.Max(1, options.QueueCapacity);

    public ChannelReader<int> Reader => _channel.Reader;

    /// <summary>Adds a run; false when the queue is full.</summary>
    public bool TryEnqueue(int id)
    {
        _cancellations.TryAdd(id, new CancellationTokenSource());
        if (_channel.Writer.TryWrite(id))
        {
            return true;
        }

        Forget(id);
        return false;
    }

    /// <summary>The token a run's work observes.</summary>
    public CancellationToken TokenFor(int id) => _cancellations.GetOrAdd(id, _ => new CancellationTokenSource()).Token;

    /// <summary>Cancels a queued or running run's work (its state is set by the caller).</summary>
    public void Cancel(int id)
    {
        if (_cancellations.TryGetValue(id, out var cts))
        {
            cts.Cancel();
        }
    }

    public void SetProgress(int id, double progress) => _progress[id] = Math.Clamp(progress, 0, 1);

    /// <summary>The live progress of a running run, when this process runs it.</summary>
    public double? ProgressOf(int id) => _progress.TryGetValue(id, out var p) ? p : null;

    /// <summary>Drops a finished run's cancellation source and progress.</summary>
    public void Forget(int id)
    {
        _progress.TryRemove(id, out _);
        if (_cancellations.TryRemove(id, out var cts))
        {
            cts.Dispose();
        }
    }
}
