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
