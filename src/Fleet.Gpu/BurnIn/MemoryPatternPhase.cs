using System.Globalization;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.BurnIn;

/// <summary>One step of a memory test: write a pattern, or verify one (optionally rewriting with a new constant).</summary>
public sealed record PatternStep(PatternKind Kind, uint Value, uint Seed, int Offset, bool Verify, uint? Rewrite = null);

/// <summary>A named pattern test made of steps (e.g. moving inversions = fill, verify+invert, verify+restore, verify).</summary>
public sealed record MemoryPattern(string Name, IReadOnlyList<PatternStep> Steps)
{
    /// <summary>Write then verify one pattern.</summary>
    public static MemoryPattern WriteVerify(string name, PatternKind kind, uint value = 0, uint seed = 0, int offset = 0) =>
        new(name, [new(kind, value, seed, offset, Verify: false), new(kind, value, seed, offset, Verify: true)]);

    /// <summary>cuda_memtest's moving inversions for one pattern p: fill p; check p, write ~p; check ~p, write p; check p.</summary>
    public static MemoryPattern MovingInversions(uint p) => new(
        string.Create(CultureInfo.InvariantCulture, $"movingInversions(0x{p:X8})"),
        [
            new(PatternKind.Constant, p, 0, 0, Verify: false),
            new(PatternKind.Constant, p, 0, 0, Verify: true, Rewrite: ~p),
            new(PatternKind.Constant, ~p, 0, 0, Verify: true, Rewrite: p),
            new(PatternKind.Constant, p, 0, 0, Verify: true),
        ]);

    /// <summary>Modulo-20 for one pattern: for each offset, p at index ≡ offset (mod 20) and ~p elsewhere, then check.</summary>
    public static MemoryPattern Modulo20(uint p) => new(
        string.Create(CultureInfo.InvariantCulture, $"modulo20(0x{p:X8})"),
        Enumerable.Range(0, 20).SelectMany(o => new PatternStep[] { new(PatternKind.Modulo20, p, 0, o, false), new(PatternKind.Modulo20, p, 0, o, true) }).ToList());

    /// <summary>Walking ones: word i holds 1 &lt;&lt; ((i + shift) mod 32), for each shift given.</summary>
    public static MemoryPattern WalkingOnes(int shifts) => new(
        string.Create(CultureInfo.InvariantCulture, $"walkingOnes(x{shifts})"),
        Enumerable.Range(0, shifts).SelectMany(s => new PatternStep[] { new(PatternKind.WalkingOnes, 0, 0, s, false), new(PatternKind.WalkingOnes, 0, 0, s, true) }).ToList());

    /// <summary>The pattern set of a level: extended adds the long patterns (all 32 walking-one shifts, 8-bit walks, more random seeds).</summary>
    public static IReadOnlyList<MemoryPattern> ForLevel(BurnInLevel level, int seed)
    {
        var s = (uint)seed;
        var tests = new List<MemoryPattern>
        {
            WalkingOnes(level == BurnInLevel.Quick ? 1 : level == BurnInLevel.Standard ? 8 : 32),
            WriteVerify("ownAddress", PatternKind.OwnAddress),
            MovingInversions(0x00000000),
            MovingInversions(0xFFFFFFFF),
            WriteVerify(string.Create(CultureInfo.InvariantCulture, $"random(seed {s})"), PatternKind.Random, seed: s),
            Modulo20(0xFFFFFFFF),
        };
        if (level >= BurnInLevel.Standard)
        {
            tests.Add(MovingInversions(0xA5A5A5A5));
            tests.Add(Modulo20(0x5A5A5A5A));
        }

        if (level == BurnInLevel.Extended)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                tests.Add(MovingInversions(0x01010101u << bit));
            }

            for (var k = 1u; k <= 4; k++)
            {
                tests.Add(WriteVerify(string.Create(CultureInfo.InvariantCulture, $"random(seed {s + k})"), PatternKind.Random, seed: s + k));
            }
        }

        return tests;
    }
}

/// <summary>
/// Memory patterns over most of free memory (a backend-set cap on the CPU accelerator). Errors are counted per block and
/// the first few of each block are logged with address, expected, actual and a re-read of the word.
/// </summary>
public sealed class MemoryPatternPhase(TimeProvider time)
{
    /// <summary>Words per kernel launch (ILGPU's implicit grids take 32-bit indices).</summary>
    public const long ChunkWords = 1L << 28;

    /// <summary>Errors logged per block.</summary>
    public int LogPerBlock { get; init; } = 8;

    /// <summary>Most error records kept in the result.</summary>
    public int MaxRecords { get; init; } = 256;

    /// <summary>Runs <paramref name="tests"/> over the region; <paramref name="bytes"/> overrides the size taken from free memory.</summary>
    public MemoryTestMetrics Run(IComputeBackend backend, IReadOnlyList<MemoryPattern> tests, FaultPlan fault,
        Action<string, long>? onPass, CancellationToken ct, long? bytes = null)
    {
        var accelerator = backend.Accelerator;
        var regionBytes = bytes ?? Math.Min((long)(backend.FreeMemoryBytes() * backend.Scale.PatternMemoryFraction), backend.Scale.MaxPatternBytes);
        var words = Math.Max(1024, regionBytes / 4);
        var blockWords = Math.Clamp(words / 64, 4096, 1L << 20);
        var blocks = (words + blockWords - 1) / blockWords;
        using var region = accelerator.Allocate1D<uint>(words);
        using var blockErrors = accelerator.Allocate1D<long>(blocks);
        using var logIndex = accelerator.Allocate1D<long>(blocks * LogPerBlock);
        using var logExpected = accelerator.Allocate1D<uint>(blocks * LogPerBlock);
        using var logActual = accelerator.Allocate1D<uint>(blocks * LogPerBlock);
        var fillKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, uint, uint, int>(MemoryKernels.Fill);
        var verifyKernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, uint, uint, int,
            ArrayView<long>, ArrayView<long>, ArrayView<uint>, ArrayView<uint>, long, int>(MemoryKernels.Verify);
        var force = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, int>(CheckKernels.ForceBit32);
        void Chunks(Action<int, long> launch)
        {
            for (long at = 0; at < words; at += ChunkWords)
            {
                launch((int)Math.Min(ChunkWords, words - at), at);
            }
        }

        void Fill(PatternKind kind, uint value, uint seed, int offset) =>
            Chunks((count, at) => fillKernel(count, region.View, at, (int)kind, value, seed, offset));

        var faultWord = fault.MemoryWordIndex(words);
        var basePtr = region.NativePtr;

        var passes = new List<MemoryPassMetrics>();
        var records = new List<MemoryErrorRecord>();
        long total = 0;
        var start = time.GetTimestamp();
        foreach (var test in tests)
        {
            ct.ThrowIfCancellationRequested();
            var passStart = time.GetTimestamp();
            long passErrors = 0;
            foreach (var step in test.Steps)
            {
                if (step.Verify)
                {
                    blockErrors.MemSetToZero();
                    Chunks((count, at) => verifyKernel(count, region.View, at, (int)step.Kind, step.Value, step.Seed, step.Offset, blockErrors.View,
                        logIndex.View, logExpected.View, logActual.View, blockWords, LogPerBlock));
                    accelerator.Synchronize();
                    var perBlock = blockErrors.GetAsArray1D();
                    var stepErrors = perBlock.Sum();
                    if (stepErrors > 0)
                    {
                        passErrors += stepErrors;
                        Collect(test.Name, perBlock, logIndex, logExpected, logActual, region, basePtr, records);
                    }

                    // Rewrite after the re-read, so a re-read shows what was stored, not the next pattern.
                    if (step.Rewrite is { } next)
                    {
                        Fill(PatternKind.Constant, next, 0, 0);
                    }
                }
                else
                {
                    Fill(step.Kind, step.Value, step.Seed, step.Offset);
                }

                if (fault.Kind == FaultKind.Memory && (!step.Verify || step.Rewrite is not null))
                {
                    force(1, region.View, faultWord, fault.MemoryBit, 0);
                }
            }

            accelerator.Synchronize();
            total += passErrors;
            passes.Add(new MemoryPassMetrics(test.Name, passErrors, time.GetElapsedTime(passStart).TotalSeconds));
            onPass?.Invoke(test.Name, total);
        }

        return new MemoryTestMetrics
        {
            BytesTested = words * 4,
            BlockBytes = blockWords * 4,
            Errors = total,
            Passes = passes,
            ErrorRecords = records,
            ElapsedSeconds = time.GetElapsedTime(start).TotalSeconds,
        };
    }

    private void Collect(string pattern, long[] perBlock, MemoryBuffer1D<long, Stride1D.Dense> logIndex,
        MemoryBuffer1D<uint, Stride1D.Dense> logExpected, MemoryBuffer1D<uint, Stride1D.Dense> logActual,
        MemoryBuffer1D<uint, Stride1D.Dense> region, IntPtr basePtr, List<MemoryErrorRecord> records)
    {
        var index = logIndex.GetAsArray1D();
        var expected = logExpected.GetAsArray1D();
        var actual = logActual.GetAsArray1D();
        for (long block = 0; block < perBlock.Length && records.Count < MaxRecords; block++)
        {
            var logged = (int)Math.Min(perBlock[block], LogPerBlock);
            for (var s = 0; s < logged && records.Count < MaxRecords; s++)
            {
                var at = (block * LogPerBlock) + s;
                var word = index[at];
                var reread = region.View.SubView(word, 1).GetAsArray1D()[0];
                records.Add(new MemoryErrorRecord
                {
                    Pattern = pattern,
                    Address = word * 4,
                    DeviceAddress = basePtr == IntPtr.Zero ? null : string.Create(CultureInfo.InvariantCulture, $"0x{(ulong)basePtr + ((ulong)word * 4):X}"),
                    Expected = expected[at],
                    Actual = actual[at],
                    Reread = reread,
                    Block = block,
                });
            }
        }
    }
}
