using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Kernels;
using Fleet.Gpu.Matmul;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.BurnIn;

/// <summary>
/// gpu-burn-style stress with an independent check: the first product is verified against host references (ABFT checksums
/// and sampled elements), then many identical products fill the stress share of free memory and each is compared with the
/// first on the device. Counters are 64-bit; NaN/Inf are counted separately.
/// </summary>
public sealed class GemmStressPhase(TimeProvider time)
{
    /// <summary>Products enqueued between synchronisations (bounds how far past the budget or a Ctrl-C a round runs).</summary>
    public int SyncEvery { get; init; } = 8;

    /// <summary>Elements the host recomputes directly per reference check.</summary>
    public int SampleSize { get; init; } = 64;

    /// <summary>Runs the stress for one precision until <paramref name="budget"/> has passed (at least one round).</summary>
    public GemmStressMetrics Run(IComputeBackend backend, IMatmulEngine engine, Precision precision, int n, TimeSpan budget,
        FaultPlan fault, Random random, Action<GemmStressMetrics>? onRound, CancellationToken ct)
    {
        var accelerator = backend.Accelerator;
        var hostA = HostMatrix.Random(precision, n, random);
        var hostB = HostMatrix.Random(precision, n, random);
        var inputStorage = PrecisionFacts.InputStorage(precision);
        var resultStorage = PrecisionFacts.ResultStorage(precision);
        using var a = DeviceMatrix.Upload(accelerator, inputStorage, hostA);
        using var b = DeviceMatrix.Upload(accelerator, inputStorage, hostB);
        using var first = DeviceMatrix.Allocate(accelerator, resultStorage, n);

        var start = time.GetTimestamp();
        engine.Multiply(precision, a, b, first);
        accelerator.Synchronize();
        var reference = MatmulVerifier.Verify(precision, n, hostA.Values, hostB.Values, first.Download(), SampleSize, random);
        ct.ThrowIfCancellationRequested();

        var resultBytes = first.Bytes;
        var budgetBytes = (long)(backend.FreeMemoryBytes() * backend.Scale.StressMemoryFraction);
        var count = (int)Math.Clamp(budgetBytes / Math.Max(1, resultBytes), 1, backend.Scale.MaxStressResults);
        var results = new List<DeviceMatrix>(count);
        using var counters = accelerator.Allocate1D<long>(2);
        counters.MemSetToZero();
        var compare32 = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<long>, float, float>(CheckKernels.CompareFp32);
        var compare64 = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<long>, double, double>(CheckKernels.CompareFp64);
        var flip = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int>(CheckKernels.FlipBit32);
        var set = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, uint>(CheckKernels.SetWord32);
        var repeatTolerance = PrecisionFacts.RepeatTolerance(precision);
        long products = 1, rounds = 0, compared = 0;
        double productSeconds = 0; // only the timed stress products: the host check and the comparisons are excluded
        var metrics = new GemmStressMetrics { Precision = precision, Engine = engine.Name, Size = n };
        try
        {
            for (var i = 0; i < count; i++)
            {
                results.Add(DeviceMatrix.Allocate(accelerator, resultStorage, n));
            }

            do
            {
                ct.ThrowIfCancellationRequested();
                // Synchronise every few products so a round that fills most of memory still stops soon after the
                // budget runs out or Ctrl-C arrives; the products done so far are compared either way.
                var roundStart = time.GetTimestamp();
                var done = 0;
                while (done < results.Count)
                {
                    engine.Multiply(precision, a, b, results[done++]);
                    if (done % SyncEvery == 0 || done == results.Count)
                    {
                        accelerator.Synchronize();
                        if (ct.IsCancellationRequested || time.GetElapsedTime(start) >= budget)
                        {
                            break;
                        }
                    }
                }

                productSeconds += time.GetElapsedTime(roundStart).TotalSeconds;
                if (rounds == 0)
                {
                    Inject(fault, results[0], flip, set);
                }

                foreach (var r in results.Take(done))
                {
                    if (resultStorage == StorageType.Float64)
                    {
                        compare64(r.Float64!.IntExtent, r.Float64.View, first.Float64!.View, counters.View, repeatTolerance, reference.Rms);
                    }
                    else
                    {
                        compare32(r.Float32!.IntExtent, r.Float32.View, first.Float32!.View, counters.View, (float)repeatTolerance, (float)reference.Rms);
                    }
                }

                accelerator.Synchronize();
                rounds++;
                products += done;
                compared += (long)done * n * n;
                var c = counters.GetAsArray1D();
                var elapsed = time.GetElapsedTime(start).TotalSeconds;
                metrics = metrics with
                {
                    ResultsPerRound = results.Count,
                    Rounds = rounds,
                    Products = products,
                    ElapsedSeconds = elapsed,
                    Gflops = 2.0 * n * n * (double)n * (products - 1) / Math.Max(productSeconds, 1e-9) / 1e9,
                    RepeatMismatches = c[0],
                    ComparedElements = compared,
                    NonFinite = c[1] + reference.NonFinite,
                    RepeatTolerance = repeatTolerance,
                    Reference = reference.ToMetrics(),
                };
                onRound?.Invoke(metrics);
            }
            while (time.GetElapsedTime(start) < budget);
        }
        finally
        {
            foreach (var r in results)
            {
                r.Dispose();
            }
        }

        return metrics;
    }

    private static void Inject(FaultPlan fault, DeviceMatrix target, Action<Index1D, ArrayView<uint>, long, int> flip, Action<Index1D, ArrayView<uint>, long, uint> set)
    {
        var element = Math.Min(fault.ResultElement, (target.N * target.N) - 1);
        var is64 = target.Storage == StorageType.Float64;
        // The word that holds the high mantissa bits: the element itself (FP32) or its upper half (FP64, little-endian).
        var word = is64 ? (2L * element) + 1 : element;
        switch (fault.Kind)
        {
            case FaultKind.Gemm:
                flip(1, target.Words, word, is64 ? 19 : 22);
                break;
            case FaultKind.Nan:
                set(1, target.Words, word, is64 ? 0x7FF80000u : 0x7FC00000u);
                break;
        }
    }
}
