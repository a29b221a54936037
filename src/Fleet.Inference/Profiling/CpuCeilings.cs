using Fleet.Inference.Cpu;

namespace Fleet.Inference.Profiling;

/// <summary>Quick probes of what this CPU can do: copy bandwidth (bytes read + written) and a vectorised matrix product.</summary>
public static class CpuCeilings
{
    /// <summary>Best of three multi-threaded copies of 128 MiB; counts bytes read plus bytes written.</summary>
    public static double CopyBandwidth(int threads, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        const int n = 32 << 20;
        var src = GC.AllocateUninitializedArray<float>(n);
        var dst = GC.AllocateUninitializedArray<float>(n);
        src.AsSpan().Fill(1f);
        dst.AsSpan().Clear();
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        var chunks = threads * 8;
        var size = n / chunks;
        var best = double.MaxValue;
        for (var rep = 0; rep < 4; rep++)
        {
            var start = time.GetTimestamp();
            Parallel.For(0, chunks, options, c => src.AsSpan(c * size, size).CopyTo(dst.AsSpan(c * size, size)));
            var seconds = time.GetElapsedTime(start).TotalSeconds;
            if (rep > 0)
            {
                best = Math.Min(best, seconds);
            }
        }

        return 2.0 * n * sizeof(float) / best;
    }

    /// <summary>Best of three 384³ float32 products C = A·Bᵀ with the engine's own kernel.</summary>
    public static double MatmulFlops(int threads, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        const int n = 384;
        var random = new Random(1);
        var a = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
        var bt = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
        var c = new float[n * n];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        var best = double.MaxValue;
        for (var rep = 0; rep < 4; rep++)
        {
            var start = time.GetTimestamp();
            Parallel.For(0, n, options, i => Ops.MatVecRows(c.AsSpan(i * n, n), a.AsSpan(i * n, n), bt, 0, n));
            var seconds = time.GetElapsedTime(start).TotalSeconds;
            if (rep > 0)
            {
                best = Math.Min(best, seconds);
            }
        }

        return 2.0 * n * n * n / best;
    }
}
