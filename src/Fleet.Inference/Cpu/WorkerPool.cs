using System.Runtime.ExceptionServices;

namespace Fleet.Inference.Cpu;

/// <summary>
/// A fork-join pool for the per-token parallel loops: a decode step issues ~30 short loops, and waking thread-pool
/// workers for each costs more than the work on small models. Workers spin briefly between loops (as OpenMP's do),
/// then back off to sleeping. Participant p (the caller is 0) first takes items p, p + P, p + 2P, … — as OpenMP's static
/// schedule, the same core reads the same rows of every matrix each step, which keeps what its private cache holds
/// useful — and then claims any item still unclaimed, so a worker that the OS has not scheduled (a busy machine) never
/// holds a loop up: the others simply run its share.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private Job? _current;
    private int _generation;
    private volatile bool _stopping;

    public WorkerPool(int workers)
    {
        Workers = Math.Max(1, workers);
        _threads = new Thread[Workers - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = "fleet-infer-worker" };
            _threads[i].Start(i + 1);
        }
    }

    /// <summary>Threads that run items, the caller included.</summary>
    public int Workers { get; }

    /// <summary>Below this many multiply-adds a fork-join costs more than it saves.</summary>
    public const long SerialWork = 48 * 1024;

    /// <summary>Attention does two passes (scores, weighted values) over the cache: worth splitting by head sooner.</summary>
    public const long AttentionSerialWork = 8 * 1024;

    /// <summary>
    /// Runs body(start, end) over rows 0..rows-1 in one contiguous block per worker, or on the caller alone when the
    /// work (rows × <paramref name="workPerRow"/> multiply-adds) is too small to split.
    /// </summary>
    public void ForRows(int rows, long workPerRow, Action<int, int> body)
    {
        if (Workers <= 1 || rows < 64 || rows * workPerRow < SerialWork)
        {
            body(0, rows);
            return;
        }

        // One contiguous block per worker, as OpenMP's static schedule: fewer claims, each core streams its own rows.
        // A worker the OS has not scheduled costs nothing: the caller claims its block too. Blocks start at multiples of
        // 16, so element-wise steps on them (SwiGLU) see the same 16/8/1-wide split as one loop over the whole vector.
        var chunks = Math.Min(rows / 16, Workers);
        var size = (((rows + chunks - 1) / chunks) + 15) & ~15;
        Run(chunks, i =>
        {
            var start = i * size;
            var end = Math.Min(rows, start + size);
            if (start < end)
            {
                body(start, end);
            }
        });
    }

    /// <summary>Runs job(0..count-1) across the workers and returns when all are done.</summary>
    public void Run(int count, Action<int> job)
    {
        if (_threads.Length == 0 || count <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                job(i);
            }

            return;
        }

        var state = new Job(job, count, Workers);
        Volatile.Write(ref _current, state);
        Interlocked.Increment(ref _generation);
        state.Work(0);

        // Only items a running participant claimed are left: spin tightly (a backing-off SpinWait oversleeps by
        // microseconds, and a decode step joins ~30 times), yielding only if that participant was descheduled mid-item.
        var spins = 0;
        while (Volatile.Read(ref state.Remaining) != 0)
        {
            if (++spins < 100_000)
            {
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }

        if (state.Error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var t in _threads)
        {
            t.Join();
        }
    }

    private void Loop(object? participant)
    {
        var self = (int)participant!;
        var seen = Volatile.Read(ref _generation);
        while (true)
        {
            var idle = 0L;
            while (Volatile.Read(ref _generation) == seen)
            {
                if (_stopping)
                {
                    return;
                }

                idle++;
                if (idle < 500_000)
                {
                    Thread.SpinWait(1);
                }
                else if (idle < 520_000)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(1);
                }
            }

            seen = Volatile.Read(ref _generation);

            // A late worker may pick up a newer job than the one that woke it: every job carries its own counters.
            Volatile.Read(ref _current)?.Work(self);
        }
    }

    private sealed class Job
    {
        public int Remaining;
        private readonly Action<int> _body;
        private readonly int _count;
        private readonly int _participants;
        private readonly int[] _claimed;
        private readonly Lock _errorLock = new();

        public Job(Action<int> body, int count, int participants)
        {
            _body = body;
            _count = count;
            _participants = participants;
            _claimed = new int[count];
            Remaining = count;
        }

        public Exception? Error { get; private set; }

        public void Work(int self)
        {
            for (var i = self; i < _count; i += _participants)
            {
                TryRun(i);
            }

            for (var i = 0; i < _count && Volatile.Read(ref Remaining) != 0; i++)
            {
                TryRun(i);
            }
        }

        private void TryRun(int i)
        {
            if (Interlocked.Exchange(ref _claimed[i], 1) != 0)
            {
                return;
            }

            try
            {
                _body(i);
            }
            catch (Exception ex)
            {
                lock (_errorLock)
                {
                    Error ??= ex;
                }
            }
            finally
            {
                Interlocked.Decrement(ref Remaining);
            }
        }
    }
}
