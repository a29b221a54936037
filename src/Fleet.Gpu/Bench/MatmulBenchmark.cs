using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;

namespace Fleet.Gpu.Bench;

/// <summary>One engine's timing of an n×n×n product.</summary>
public sealed record MatmulBenchRow
{
    public required string Engine { get; init; }
    public required Precision Precision { get; init; }
    public int Size { get; init; }
    public int Warmup { get; init; }
    public int Repeats { get; init; }
    /// <summary>Products issued back to back inside each timed repeat.</summary>
    public int Batch { get; init; }
    public double MedianSecondsPerProduct { get; init; }
    public double Tflops { get; init; }
    public double? SpecTflops { get; init; }
    public double? PercentOfSpec { get; init; }
    /// <summary>Whether the timed result passed the reference check (ABFT checksums + sampled elements).</summary>
    public bool Verified { get; init; }
    public ReferenceCheckMetrics? Reference { get; init; }
    public string Timing { get; init; } = MatmulBenchmark.TimingMethod;
}

/// <summary>The `fleet gpu bench matmul` result ("fleet.bench.matmul/v1").</summary>
public sealed record MatmulBenchReport
{
    public string Schema { get; init; } = "fleet.bench.matmul/v1";
    public required GpuDeviceInfo Device { get; init; }
    public IReadOnlyList<MatmulBenchRow> Rows { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Engines that should have a row on this device and do not (e.g. cuBLAS on a GPU without it), with why.</summary>
    public IReadOnlyList<MissingBenchRow> Missing { get; init; } = [];
}

/// <summary>A row the benchmark could not produce: reported as missing, never silently left out.</summary>
public sealed record MissingBenchRow(string Engine, Precision Precision, string Reason);

/// <summary>The `fleet gpu bench bandwidth` result ("fleet.bench.bandwidth/v1").</summary>
public sealed record BandwidthBenchReport
{
    public string Schema { get; init; } = "fleet.bench.bandwidth/v1";
    public required GpuDeviceInfo Device { get; init; }
    public required BandwidthMetrics Bandwidth { get; init; }
    public double? SpecGBs { get; init; }
    public double? PercentOfSpec { get; init; }
}

/// <summary>Times matrix products: warm-up, then the median over repeats of a batch of back-to-back products; verifies the result.</summary>
public sealed class MatmulBenchmark(TimeProvider time)
{
    /// <summary>How the time is taken (reported with every figure).</summary>
    public const string TimingMethod = "accelerator synchronize + TimeProvider timestamps around a batch of back-to-back products (no CUDA events); median of repeats";

    public int Warmup { get; init; } = 2;
    public int Repeats { get; init; } = 7;

    /// <summary>Batches are sized so that one timed repeat lasts at least this long.</summary>
    public TimeSpan MinRepeatTime { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Benchmarks <paramref name="engine"/> in <paramref name="precision"/> at n×n×n.</summary>
    public MatmulBenchRow Run(IComputeBackend backend, IMatmulEngine engine, Precision precision, int n, Random random, CancellationToken ct)
    {
        if (!engine.Supports(precision))
        {
            throw new NotSupportedException($"{engine.Name} cannot multiply in {precision}");
        }

        var accelerator = backend.Accelerator;
        var hostA = HostMatrix.Random(precision, n, random);
        var hostB = HostMatrix.Random(precision, n, random);
        var storage = PrecisionFacts.InputStorage(precision);
        using var a = DeviceMatrix.Upload(accelerator, storage, hostA);
        using var b = DeviceMatrix.Upload(accelerator, storage, hostB);
        using var c = DeviceMatrix.Allocate(accelerator, PrecisionFacts.ResultStorage(precision), n);

        for (var i = 0; i < Math.Max(1, Warmup); i++)
        {
            engine.Multiply(precision, a, b, c);
        }

        accelerator.Synchronize();
        var probe = time.GetTimestamp();
        engine.Multiply(precision, a, b, c);
        accelerator.Synchronize();
        var one = Math.Max(time.GetElapsedTime(probe).TotalSeconds, 1e-7);
        var batch = (int)Math.Clamp(Math.Ceiling(MinRepeatTime.TotalSeconds / one), 1, 200);

        var perProduct = new double[Math.Max(1, Repeats)];
        for (var r = 0; r < perProduct.Length; r++)
        {
            ct.ThrowIfCancellationRequested();
            var start = time.GetTimestamp();
            for (var i = 0; i < batch; i++)
            {
                engine.Multiply(precision, a, b, c);
            }

            accelerator.Synchronize();
            perProduct[r] = time.GetElapsedTime(start).TotalSeconds / batch;
        }

        Array.Sort(perProduct);
        var median = perProduct.Length % 2 == 1 ? perProduct[perProduct.Length / 2] : (perProduct[(perProduct.Length / 2) - 1] + perProduct[perProduct.Length / 2]) / 2;
        var check = MatmulVerifier.Verify(precision, n, hostA.Values, hostB.Values, c.Download(), 64, random);
        var tflops = 2.0 * n * n * (double)n / Math.Max(median, 1e-12) / 1e12;
        var spec = backend.Info.CatalogModel is { } name ? GpuCatalog.Find(name)?.PeakTflops(precision) : null;
        return new MatmulBenchRow
        {
            Engine = engine.Name,
            Precision = precision,
            Size = n,
            Warmup = Warmup,
            Repeats = perProduct.Length,
            Batch = batch,
            MedianSecondsPerProduct = median,
            Tflops = tflops,
            SpecTflops = spec,
            PercentOfSpec = spec is > 0 ? 100 * tflops / spec.Value : null,
            Verified = check.Passed,
            Reference = check.ToMetrics(),
        };
    }
}
