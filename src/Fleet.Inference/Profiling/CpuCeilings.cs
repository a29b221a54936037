using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Inference.Profiling;

/// <summary>Quick probes of what this CPU can do: streaming read bandwidth and a vectorised matrix product.</summary>
public static class CpuCeilings
{
    /// <summary>
    /// Best of three multi-threaded matrix-vector products over a 256 MiB matrix (far beyond the caches) with the
    /// engine's own kernel; counts bytes read. Decoding streams its weights read-only through that kernel, so this — not
    /// a copy, whose stores cost extra traffic — is the ceiling its MBU is measured against. A model small enough to
    /// stay partly cached between steps can still exceed it (MBU over 100 %).
    /// </summary>
    public static unsafe double ReadBandwidth(int threads, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        const int cols = 1024;
        const int rows = 64 << 10;

        // Laid out as the engine lays out weights: aligned, huge-page backed.
        using var arena = new TransformerWeights.HugeArena((long)rows * cols * sizeof(float));
        var address = (nint)arena.Pointer;
        new Span<float>((float*)address, rows * cols).Fill(0.5f);
        var x = new float[cols];
        x.AsSpan().Fill(2f);
        var y = new float[rows];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        var chunks = threads * 8;
        var size = rows / chunks;
        var best = double.MaxValue;
        for (var rep = 0; rep < 4; rep++)
        {
            var start = time.GetTimestamp();
            Parallel.For(0, chunks, options, c => Ops.MatVecRows(y, x, new ReadOnlySpan<float>((float*)address, rows * cols), c * size, (c + 1) * size));
            var seconds = time.GetElapsedTime(start).TotalSeconds;
            if (rep > 0)
            {
                best = Math.Min(best, seconds);
            }
        }

        if (y.Any(v => v != cols))
        {
            throw new InvalidOperationException("The bandwidth probe computed a wrong product: a memory or CPU fault.");
        }

        return (double)rows * cols * sizeof(float) / best;
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
