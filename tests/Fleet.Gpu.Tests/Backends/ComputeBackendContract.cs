using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Kernels;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Tests.Backends;

/// <summary>What every backend must do, written once; each backend runs it through a concrete subclass.</summary>
public abstract class ComputeBackendContract
{
    private static readonly Precision[] s_precisions = [Precision.Fp64, Precision.Fp32, Precision.Tf32, Precision.Fp16, Precision.Bf16, Precision.Fp8];

    protected ComputeBackendContract(BackendFixture fixture)
    {
        Backend = fixture.Backend;
        Backend.BindToCurrentThread();
    }

    protected IComputeBackend Backend { get; }

    private static double Tolerance(Precision p) => p switch
    {
        Precision.Fp64 => 1e-12,
        Precision.Fp32 => 1e-5,
        Precision.Tf32 => 5e-3,
        _ => 1e-4,
    };

    [BackendFact]
    public void Multiply_EveryEngineAndPrecision_MatchesNaiveReference()
    {
        const int n = 33; // not a multiple of any tile edge
        foreach (var engine in Backend.Engines)
        {
            foreach (var p in s_precisions.Where(engine.Supports))
            {
                var random = new Random(11);
                var a = HostMatrix.Random(p, n, random);
                var b = HostMatrix.Random(p, n, random);
                var c = MultiplyOnDevice(engine, p, a, b);
                var expected = Reference.Multiply(a.Values, b.Values, n);
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var e = expected[(i * n) + j];
                        var bound = Tolerance(p) * Reference.AbsScale(a.Values, b.Values, n, i, j);
                        Assert.True(Math.Abs(c[(i * n) + j] - e) <= bound, $"{engine.Name} {p} C[{i},{j}] = {c[(i * n) + j]}, expected {e} ± {bound}");
                    }
                }
            }
        }
    }

    [BackendFact]
    public void Multiply_SmallIntegerMatrices_EqualHandComputedProduct()
    {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], exact in every format.
        double[] expected = [19, 22, 43, 50];
        foreach (var engine in Backend.Engines)
        {
            foreach (var p in s_precisions.Where(engine.Supports))
            {
                var c = MultiplyOnDevice(engine, p, HostMatrix.From(p, 2, [1, 2, 3, 4]), HostMatrix.From(p, 2, [5, 6, 7, 8]));
                Assert.Equal(expected, c);
            }
        }
    }

    [BackendFact]
    public void Patterns_FilledOnDevice_MatchIndependentHostFormulas()
    {
        const int words = 4096;
        using var buffer = Backend.Accelerator.Allocate1D<uint>(words);
        var fill = Backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, uint, uint, int>(MemoryKernels.Fill);

        fill(words, buffer.View, 0, (int)PatternKind.WalkingOnes, 0, 0, 3);
        var walking = buffer.GetAsArray1D();
        Assert.All(Enumerable.Range(0, words), i => Assert.Equal(1u << ((i + 3) % 32), walking[i]));

        fill(words, buffer.View, 0, (int)PatternKind.Modulo20, 0xF0F0F0F0u, 0, 7);
        var mod = buffer.GetAsArray1D();
        Assert.All(Enumerable.Range(0, words), i => Assert.Equal(i % 20 == 7 ? 0xF0F0F0F0u : 0x0F0F0F0Fu, mod[i]));

        fill(words, buffer.View, 0, (int)PatternKind.OwnAddress, 0, 0, 0);
        Assert.Equal(Enumerable.Range(0, words).Select(i => (uint)i), buffer.GetAsArray1D());

        fill(words, buffer.View, 0, (int)PatternKind.Random, 0, 99, 0);
        var random = buffer.GetAsArray1D();
        Assert.True(random.Distinct().Count() > words * 0.99, "random pattern should be (almost) all distinct");
        fill(words, buffer.View, 0, (int)PatternKind.Random, 0, 99, 0);
        Assert.Equal(random, buffer.GetAsArray1D());
    }

    [BackendFact]
    public void MemoryTest_HealthyRegion_FindsNoErrors()
    {
        var tests = MemoryPattern.ForLevel(BurnInLevel.Quick, 5);
        var m = new MemoryPatternPhase(TimeProvider.System).Run(Backend, tests, FaultPlan.None, null, CancellationToken.None, 16 * 1024);
        Assert.Equal(0, m.Errors);
        Assert.Equal(16 * 1024, m.BytesTested);
        Assert.Equal(tests.Select(t => t.Name), m.Passes.Select(p => p.Pattern));
        Assert.Empty(m.ErrorRecords);
    }

    [BackendFact]
    public void MemoryTest_StuckBitAtKnownWord_ReportedAtThatAddressWithStoredValue()
    {
        const long bytes = 16 * 1024;
        var fault = new FaultPlan(FaultKind.Memory) { MemoryBit = 5 };
        var word = fault.MemoryWordIndex(bytes / 4);
        var m = new MemoryPatternPhase(TimeProvider.System).Run(Backend, MemoryPattern.ForLevel(BurnInLevel.Quick, 5), fault, null, CancellationToken.None, bytes);

        Assert.True(m.Errors > 0);
        Assert.NotEmpty(m.ErrorRecords);
        Assert.All(m.ErrorRecords, r =>
        {
            Assert.Equal(word * 4, r.Address);
            Assert.NotEqual(0u, r.Expected & (1u << 5));
            Assert.Equal(r.Expected & ~(1u << 5), r.Actual);
            Assert.Equal(r.Actual, r.Reread); // stored wrong, not a transient read
        });

        // Own-address writes the word index itself: the stuck-at-zero bit shows only if the index has bit 5 set.
        var ownAddress = m.Passes.Single(p => p.Pattern == "ownAddress");
        Assert.Equal((word >> 5) & 1, ownAddress.Errors);
        // Moving inversions of 0 write ~0 (bit set) once: exactly one error there.
        Assert.Equal(1, m.Passes.Single(p => p.Pattern == "movingInversions(0x00000000)").Errors);
    }

    [BackendFact]
    public void GemmStress_HealthyDevice_NoMismatchesAndReferencePasses()
    {
        foreach (var p in Backend.StressPrecisions.Where(Backend.Matmul.Supports))
        {
            var m = new GemmStressPhase(TimeProvider.System).Run(Backend, Backend.Matmul, p, 24, TimeSpan.Zero, FaultPlan.None, new Random(3), null, CancellationToken.None);
            Assert.Equal(0, m.RepeatMismatches);
            Assert.Equal(0, m.NonFinite);
            Assert.Equal(0, m.Reference!.ColumnChecksumMismatches + m.Reference.RowChecksumMismatches + m.Reference.SampleMismatches);
            Assert.Equal(1, m.Rounds);
            Assert.InRange(m.Products - 1, 1, m.ResultsPerRound); // a zero budget stops the round at its first sync point
            Assert.Equal((m.Products - 1) * 24 * 24, m.ComparedElements);
        }
    }

    [BackendFact]
    public void GemmStress_CancelledDuringRun_ThrowsAfterAtMostOneRound()
    {
        using var cts = new CancellationTokenSource();
        var rounds = 0;
        var stress = new GemmStressPhase(TimeProvider.System) { SyncEvery = 1 };
        Assert.Throws<OperationCanceledException>(() => stress.Run(Backend, Backend.Matmul, Precision.Fp32, 16, TimeSpan.FromMinutes(10), FaultPlan.None, new Random(1), m =>
        {
            rounds++;
            cts.Cancel();
        }, cts.Token));
        Assert.Equal(1, rounds);
    }

    [BackendFact]
    public void GemmStress_InjectedBitFlip_CountsExactlyOneRepeatMismatch()
    {
        foreach (var p in new[] { Precision.Fp32, Precision.Fp64 }.Where(Backend.Matmul.Supports))
        {
            var m = new GemmStressPhase(TimeProvider.System).Run(Backend, Backend.Matmul, p, 24, TimeSpan.Zero, new FaultPlan(FaultKind.Gemm), new Random(3), null, CancellationToken.None);
            Assert.Equal(1, m.RepeatMismatches);
            Assert.Equal(0, m.NonFinite);
        }
    }

    [BackendFact]
    public void GemmStress_InjectedNan_CountsOneNonFiniteElement()
    {
        foreach (var p in new[] { Precision.Fp32, Precision.Fp64 }.Where(Backend.Matmul.Supports))
        {
            var m = new GemmStressPhase(TimeProvider.System).Run(Backend, Backend.Matmul, p, 24, TimeSpan.Zero, new FaultPlan(FaultKind.Nan), new Random(3), null, CancellationToken.None);
            Assert.Equal(1, m.NonFinite);
            Assert.Equal(0, m.RepeatMismatches);
        }
    }

    [BackendFact]
    public void GemmStress_ConsistentlyWrongEngine_PassesRepeatsButFailsReference()
    {
        var wrong = new ConsistentlyWrongEngine(Backend.Matmul, Backend.Accelerator, element: 100, bit: 27);
        var m = new GemmStressPhase(TimeProvider.System).Run(Backend, wrong, Precision.Fp32, 24, TimeSpan.Zero, FaultPlan.None, new Random(3), null, CancellationToken.None);
        Assert.Equal(0, m.RepeatMismatches); // wrong the same way every time: gpu-burn's comparison cannot see it
        Assert.True(m.Reference!.ColumnChecksumMismatches >= 1, "column checksum must catch the wrong element");
        Assert.True(m.Reference.RowChecksumMismatches >= 1, "row checksum must catch the wrong element");
    }

    [BackendFact]
    public void Bandwidth_SmallTransfers_ReportPositiveRatesAndBytes()
    {
        var bw = new BandwidthPhase(TimeProvider.System) { Repeats = 3 }.Run(Backend, CancellationToken.None, 1 << 20);
        Assert.Equal(1 << 20, bw.Bytes);
        Assert.True(bw.DeviceToDeviceGBs > 0);
        Assert.True(bw.HostToDeviceGBs > 0);
        Assert.True(bw.DeviceToHostGBs > 0);
        Assert.True(bw.PinnedHostMemory);
    }

    [BackendFact]
    public void TiledEngine_TileSize_FitsTheDeviceLimits()
    {
        var tiled = new IlgpuMatmulEngine(Backend.Accelerator, IlgpuMatmulVariant.Tiled);
        Assert.True(tiled.TileSize * tiled.TileSize <= Backend.Accelerator.MaxNumThreadsPerGroup);
        Assert.True(2L * tiled.TileSize * tiled.TileSize * sizeof(float) <= Backend.Accelerator.MaxSharedMemoryPerGroup);
    }

    private double[] MultiplyOnDevice(IMatmulEngine engine, Precision p, HostMatrix a, HostMatrix b)
    {
        var storage = PrecisionFacts.InputStorage(p);
        using var da = DeviceMatrix.Upload(Backend.Accelerator, storage, a);
        using var db = DeviceMatrix.Upload(Backend.Accelerator, storage, b);
        using var dc = DeviceMatrix.Allocate(Backend.Accelerator, PrecisionFacts.ResultStorage(p), a.N);
        engine.Multiply(p, da, db, dc);
        Backend.Accelerator.Synchronize();
        return dc.Download();
    }

    /// <summary>A real engine whose every FP32 result has the same bit flipped afterwards: a card wrong the same way every time.</summary>
    private sealed class ConsistentlyWrongEngine(IMatmulEngine inner, Accelerator accelerator, long element, int bit) : IMatmulEngine
    {
        private readonly Action<Index1D, ArrayView<uint>, long, int> _flip =
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int>(CheckKernels.FlipBit32);

        public string Name => inner.Name + "-wrong";

        public bool Supports(Precision precision) => precision == Precision.Fp32;

        public void Multiply(Precision precision, DeviceMatrix a, DeviceMatrix b, DeviceMatrix c)
        {
            inner.Multiply(precision, a, b, c);
            _flip(1, c.Words, element, bit);
        }
    }
}

/// <summary>The contract on ILGPU's CPU accelerator: always runs.</summary>
public sealed class CpuBackendContractTests(CpuFixture fixture) : ComputeBackendContract(fixture), IClassFixture<CpuFixture>;

/// <summary>The contract on CUDA device 0: skipped without a GPU, failing instead when FLEET_REQUIRE_CUDA=1.</summary>
[RequiresCuda]
public sealed class CudaBackendContractTests(CudaFixture fixture) : ComputeBackendContract(fixture), IClassFixture<CudaFixture>;
