using System.Runtime.ExceptionServices;

namespace Fleet.Inference.Cpu;

/// <summary>
/// A fork-join pool for the per-token parallel loops: a decode step issues ~30 short loops, and waking thread-pool
/// workers for each costs more than the work on small models. Workers spin briefly between loops (as OpenMP's do),
/// then back off to sleeping. The caller takes part and waits only for items actually claimed, so a worker that the
/// OS has not scheduled (a busy machine) never holds a loop up: the caller simply runs its share.
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
            _threads[i].Start();
        }
    }

    /// <summary>Threads that run items, the caller included.</summary>
    public int Workers { get; }

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

        var state = new Job(job, count);
        Volatile.Write(ref _current, state);
        Interlocked.Increment(ref _generation);
        state.Work();
        var spin = new SpinWait();
        while (Volatile.Read(ref state.Remaining) != 0)
        {
            spin.SpinOnce(-1);
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

    private void Loop()
    {
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
                if (idle < 20_000)
                {
                    Thread.SpinWait(30);
                }
                else if (idle < 40_000)
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
            Volatile.Read(ref _current)?.Work();
        }
    }

    private sealed class Job
    {
        public int Remaining;
        private readonly Action<int> _body;
        private readonly int _count;
        private readonly Lock _errorLock = new();
        private int _next;

        public Job(Action<int> body, int count)
        {
            _body = body;
            _count = count;
            Remaining = count;
        }

        public Exception? Error { get; private set; }

        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref _next) - 1) < _count)
            {
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
}
