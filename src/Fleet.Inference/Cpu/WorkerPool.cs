using System.Runtime.ExceptionServices;

namespace Fleet.Inference.Cpu;

/// <summary>
/// A fork-join pool for the per-token parallel loops: a decode step issues ~30 short loops, and waking thread-pool
/// workers for each costs more than the work on small models. Workers spin briefly between loops (as OpenMP's do),
/// then back off to sleeping; the calling thread takes part in every loop.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private Action<int>? _job;
    private int _count;
    private int _next;
    private int _pending;
    private int _generation;
    private volatile bool _stopping;
    private Exception? _error;

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

        _job = job;
        _count = count;
        _error = null;
        Volatile.Write(ref _next, 0);
        Volatile.Write(ref _pending, _threads.Length);
        Interlocked.Increment(ref _generation);
        Work();
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0)
        {
            spin.SpinOnce(-1);
        }

        _job = null;
        if (_error is { } error)
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

    private void Work()
    {
        var job = _job!;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                job(i);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _error, ex, null);
            }
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
            Work();
            Interlocked.Decrement(ref _pending);
        }
    }
}
