using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Gpu;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;
using ILGPU.Runtime;

namespace Fleet.Inference.Tests;

/// <summary>One CPU-accelerator device shared by the GPU-engine tests (creating a context is slow).</summary>
public sealed class CpuAcceleratorFixture : IDisposable
{
    public const string Collection = "cpu-accelerator";

    public GpuDevice Device { get; } = GpuDevice.CreateCpuAccelerator();

    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(CpuAcceleratorFixture.Collection)]
public sealed class CpuAcceleratorCollection : ICollectionFixture<CpuAcceleratorFixture>;

/// <summary>
/// The ILGPU kernels on ILGPU's CPU accelerator against the CPU engine on the same (16-bit-rounded) weights.
/// Tolerances on |Δlogit| / (1 + |logit|):
/// <list type="bullet">
/// <item>FP16 KV cache: 2e-3. Float summation order differs, and FP16 rounds each cached k and v by at most 2⁻¹¹
/// relative; measured ≤ 1e-4 on these models.</item>
/// <item>BF16 KV cache: 2e-2. BF16 keeps 8 significant bits, so each cached element moves by up to 2⁻⁹ ≈ 2e-3
/// relative; at position 0 the attention output is v itself, and the error passes through Wo, the MLP and the
/// classifier of both layers (gains of order one on these weights). 2e-2 is about ten BF16 rounding steps; measured
/// ≤ 7e-3. Greedy tokens must still be identical.</item>
/// </list>
/// </summary>
[Collection(CpuAcceleratorFixture.Collection)]
public class GpuEngineTests(CpuAcceleratorFixture fixture)
{
    private const double Fp16KvTolerance = 2e-3;
    private const double Bf16KvTolerance = 2e-2;
    private static readonly ModelShape Config = ModelShape.Of(32, 48, 2, 4, 2, 96, 24, false);

    private static double Tolerance(DeviceWeightType kv) => kv == DeviceWeightType.FP16 ? Fp16KvTolerance : Bf16KvTolerance;

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double tolerance = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / (1 + Math.Abs(expected[i])));
        }

        Assert.True(worst <= tolerance, $"{what}: worst {worst}");
    }

    private static TransformerWeights Weights(ModelShape config, DeviceWeightType type, int seed)
    {
        var w = SyntheticWeights.Create(config, new Random(seed));
        DeviceWeights.RoundHostWeights(w, type);
        return w;
    }

    [Theory]
    [InlineData(DeviceWeightType.BF16, false)]
    [InlineData(DeviceWeightType.FP16, true)]
    public void Forward_Positions_LogitsMatchCpuEngine(DeviceWeightType type, bool shared)
    {
        var config = Config with { TiedEmbeddings = shared };
        using var host = Weights(config, type, 5);
        using var dw = DeviceWeights.Upload(fixture.Device, host, type);
        using var gpu = new GpuTransformer(fixture.Device, dw, 4, 2, config.MaxContext);
        using var cpu = new CpuTransformer(host, 1);
        int[] tokens = [1, 50, 7, 95, 3];
        for (var pos = 0; pos < tokens.Length; pos++)
        {
            AssertClose(cpu.Forward(tokens[pos], pos), gpu.Forward(tokens[pos], pos), $"pos {pos}", Tolerance(type));
        }
    }

    [Fact]
    public void DecodeGreedy_EightSteps_SameTokensAsCpuEngine()
    {
        using var host = Weights(Config, DeviceWeightType.BF16, 8);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, Config.MaxContext);
        using var cpu = new CpuTransformer(host, 1);
        int cpuToken = 1, gpuToken = 1;
        var cpuTokens = new List<int>();
        var gpuTokens = new List<int>();
        for (var pos = 0; pos < 8; pos++)
        {
            cpuToken = Sampler.Argmax(cpu.Forward(cpuToken, pos));
            gpuToken = gpu.DecodeGreedy([gpuToken], [pos])[0];
            cpuTokens.Add(cpuToken);
            gpuTokens.Add(gpuToken);
        }

        Assert.Equal(cpuTokens, gpuTokens);
        Assert.True(cpuTokens.Distinct().Count() > 1, "a constant stream would not test much");
    }

    [Fact]
    public void ForwardRows_ThreeSequencesInOneBatch_EachMatchesItsOwnCpuRun()
    {
        using var host = Weights(Config, DeviceWeightType.BF16, 9);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 3, 3, Config.MaxContext);
        int[][] streams = [[1, 4], [2, 60], [90, 0]];
        var cpus = streams.Select(_ => new CpuTransformer(host, 1)).ToArray();
        try
        {
            for (var pos = 0; pos < 2; pos++)
            {
                gpu.ForwardRows([streams[0][pos], streams[1][pos], streams[2][pos]], [0, 1, 2], [pos, pos, pos], [0, 1, 2]);
                for (var s = 0; s < 3; s++)
                {
                    AssertClose(cpus[s].Forward(streams[s][pos], pos), gpu.Logits(s), $"seq {s} pos {pos}", Bf16KvTolerance);
                }
            }
        }
        finally
        {
            foreach (var c in cpus)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public void Prefill_SixTokensInChunksOfFour_LastLogitsMatchTokenByToken()
    {
        using var host = Weights(Config, DeviceWeightType.BF16, 10);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 4, 2, Config.MaxContext);
        using var cpu = new CpuTransformer(host, 1);
        int[] prompt = [1, 17, 42, 8, 77, 5];
        float[] expected = [];
        for (var pos = 0; pos < prompt.Length; pos++)
        {
            expected = cpu.Forward(prompt[pos], pos).ToArray();
        }

        gpu.Prefill(1, prompt, 0);
        AssertClose(expected, gpu.Logits(0), "prefill", Bf16KvTolerance);

        // Decoding continues from the prefilled cache in slot 1.
        var next = Sampler.Argmax(expected);
        gpu.ForwardRows([next], [1], [prompt.Length], [0]);
        AssertClose(cpu.Forward(next, prompt.Length), gpu.Logits(0), "after prefill", Bf16KvTolerance);
    }

    [Fact]
    public void Forward_Fp16KvCacheOverFourteenPositions_LogitsWithinSummationTolerance()
    {
        // Fourteen positions in chunks of four: four attention chunks, the last partial, combined by the last group.
        using var host = Weights(Config, DeviceWeightType.BF16, 12);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, Config.MaxContext, kvType: DeviceWeightType.FP16);
        using var cpu = new CpuTransformer(host, 1);
        Assert.Equal(DeviceWeightType.FP16, gpu.KvType);
        for (var pos = 0; pos < 14; pos++)
        {
            var token = (pos * 37) % Config.VocabSize;
            AssertClose(cpu.Forward(token, pos), gpu.Forward(token, pos), $"pos {pos}", Fp16KvTolerance);
        }
    }

    [Fact]
    public void ForwardRows_SequencesAtDifferentPositions_EmptyChunksIgnored()
    {
        // Slot 0 at position 5 needs two chunks; slot 1 at position 2 gets the same grid, its second chunk empty.
        using var host = Weights(Config, DeviceWeightType.BF16, 13);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 2, 2, Config.MaxContext, kvType: DeviceWeightType.FP16);
        using var cpu0 = new CpuTransformer(host, 1);
        using var cpu1 = new CpuTransformer(host, 1);
        for (var pos = 0; pos < 5; pos++)
        {
            cpu0.Forward(pos + 3, pos);
            gpu.ForwardRows([pos + 3], [0], [pos], [0]);
        }

        cpu1.Forward(40, 0);
        cpu1.Forward(41, 1);
        gpu.Prefill(1, [40, 41], 0);
        gpu.ForwardRows([12, 42], [0, 1], [5, 2], [0, 1]);
        AssertClose(cpu0.Forward(12, 5), gpu.Logits(0), "slot 0", Fp16KvTolerance);
        AssertClose(cpu1.Forward(42, 2), gpu.Logits(1), "slot 1", Fp16KvTolerance);
    }

    [Theory]
    [InlineData(DeviceWeightType.FP16)]
    public void Prefill_SeparateKernelPath_MatchesCpuEngine(DeviceWeightType type)
    {
        // A backend that fuses only single rows sends prefill chunks through the separate norm/RoPE/SwiGLU kernels.
        using var host = Weights(Config, type, 14);
        using var dw = DeviceWeights.Upload(fixture.Device, host, type);
        using var gpu = new GpuTransformer(fixture.Device, dw, 4, 1, Config.MaxContext, new SingleRowFusion(fixture.Device));
        using var cpu = new CpuTransformer(host, 1);
        int[] prompt = [5, 9, 33, 70, 2];
        float[] expected = [];
        for (var pos = 0; pos < prompt.Length; pos++)
        {
            expected = cpu.Forward(prompt[pos], pos).ToArray();
        }

        gpu.Prefill(0, prompt, 0);
        AssertClose(expected, gpu.Logits(0), "prefill", Tolerance(type));
        AssertClose(cpu.Forward(4, prompt.Length), gpu.Forward(4, prompt.Length), "fused decode after it", Tolerance(type));
    }

    [Fact]
    public void Forward_ShapeNotInSixteenByteRows_SeparateKernelsMatchCpuEngine()
    {
        // Hidden 44 is not a multiple of 8: W2's rows cannot be read as 16-byte vectors, so the engine does not fuse.
        var config = ModelShape.Of(40, 44, 2, 4, 2, 96, 12, false);
        using var host = Weights(config, DeviceWeightType.FP16, 15);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.FP16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, config.MaxContext);
        using var cpu = new CpuTransformer(host, 1);
        for (var pos = 0; pos < 3; pos++)
        {
            AssertClose(cpu.Forward(pos * 7, pos), gpu.Forward(pos * 7, pos), $"pos {pos}", Fp16KvTolerance);
        }
    }

    [Fact]
    public void DecodeGreedy_OneToken_FourLaunchesPerLayer()
    {
        // Per token: embedding, 4 per layer (QKV+norm+RoPE+KV write, attention, Wo, MLP), gather, classifier+norm, argmax.
        long LaunchesPerToken(int layers)
        {
            var config = Config with { Layers = layers };
            using var host = Weights(config, DeviceWeightType.BF16, 16);
            using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
            using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, config.MaxContext);
            gpu.DecodeGreedy([1], [0]);
            var before = fixture.Device.KernelLaunches;
            gpu.DecodeGreedy([2], [1]);
            return fixture.Device.KernelLaunches - before;
        }

        var two = LaunchesPerToken(2);
        var three = LaunchesPerToken(3);
        Assert.Equal(4, three - two);
        Assert.Equal((4 * 2) + 4, two);
    }

    [Fact]
    public void Argmax_Ties_PicksFirstMaximumLikeRunC()
    {
        var config = Config with { VocabSize = 300 };
        using var host = Weights(config, DeviceWeightType.BF16, 11);
        // A zero classifier makes all 300 logits equal (0): run.c's strict ">" scan keeps index 0, and so must the
        // group reduction, whichever thread saw which index first.
        host.Get(WeightKind.Classifier).Clear();
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, config.MaxContext);
        Assert.Equal(0, gpu.DecodeGreedy([3], [0])[0]);
    }
}

/// <summary>The ILGPU backend, but fusing only single rows (as cuBLAS does), so batched rows take the separate kernels.</summary>
internal sealed class SingleRowFusion(GpuDevice device) : IMatmulBackend
{
    private readonly IlgpuMatmul _inner = new(device);

    public string Name => "test: fused single rows";

    public int FusedRowLimit => 1;

    public void Gemv(ILGPU.ArrayView<float> x, ILGPU.ArrayView<ushort> w, ILGPU.ArrayView<float> y, GemvArgs args) => _inner.Gemv(x, w, y, args);
}

public class HalfConversionTests
{
    [Fact]
    public void FromFloat_Fp16_MatchesSystemHalfOverNormalRange()
    {
        var r = new Random(1);
        for (var i = 0; i < 20000; i++)
        {
            var v = (float)((r.NextDouble() - 0.5) * Math.Pow(2, r.Next(-14, 15)));
            var expected = BitConverter.HalfToUInt16Bits((Half)v);
            if (Math.Abs(v) < 6.2e-5f)
            {
                continue; // subnormal halves are flushed to zero by the device conversion
            }

            Assert.Equal(expected, GpuKernels.FromFloat(v, 1));
            Assert.Equal((float)(Half)v, GpuKernels.ToFloat(expected, 1));
        }
    }

    [Theory]
    [InlineData(0x3F808000u, (ushort)0x3F80)] // 1.00390625: tie, even mantissa stays
    [InlineData(0x3F818000u, (ushort)0x3F82)] // tie, odd mantissa rounds up
    [InlineData(0x3F808001u, (ushort)0x3F81)] // above the tie rounds up
    [InlineData(0xC0490FDBu, (ushort)0xC049)] // -π
    public void FromFloat_Bf16_RoundsToNearestEven(uint floatBits, ushort expected)
    {
        Assert.Equal(expected, GpuKernels.FromFloat(BitConverter.UInt32BitsToSingle(floatBits), 0));
        Assert.Equal(BitConverter.UInt32BitsToSingle((uint)expected << 16), GpuKernels.ToFloat(expected, 0));
    }

    [Fact]
    public void ToFloat_Fp16Subnormal_IsMantissaTimesTwoToMinus24()
    {
        Assert.Equal(3 * MathF.Pow(2, -24), GpuKernels.ToFloat(0x0003, 1));
        Assert.Equal(-MathF.Pow(2, -24), GpuKernels.ToFloat(0x8001, 1));
    }
}

[Collection(CpuAcceleratorFixture.Collection)]
public class GpuProfileTargetTests(CpuAcceleratorFixture fixture)
{
    [Fact]
    public void Target_TinyShapeOnCpuAccelerator_TimesPrefillAndDecodeAndCountsMemory()
    {
        // The profiler's arithmetic is tested with a synthetic target; this checks the GPU target runs its points.
        var shape = new Fleet.Domain.Models.ModelShape("tiny", 32, 48, 2, 4, 2, 64, 64, true);
        using var target = new GpuProfileTarget(fixture.Device, shape, DeviceWeightType.BF16, 16, 7, TimeProvider.System);

        Assert.True(target.Prefill(1, 3, default) > 0);
        Assert.True(target.DecodeStep(2, 8, default) > 0);
        Assert.Equal(17, target.MaxContext);
        // 16-bit matrices and embedding, float32 norms (2 per layer + final).
        Assert.Equal((shape.Parameters - ((2L * shape.Layers) + 1) * shape.Dim) * 2 + (((2L * shape.Layers) + 1) * shape.Dim * 4), target.WeightBytes);
        // k and v, 2 layers, 16 kv features, 16-bit cache.
        Assert.Equal(2L * 2 * 16 * 2, target.KvBytesPerToken);
    }

    [Fact]
    public void Random_SameSeed_SameWeightsAndWithinScale()
    {
        var config = ModelShape.Of(32, 48, 2, 4, 2, 64, 16, true);
        using var a = DeviceWeights.Random(fixture.Device, config, DeviceWeightType.BF16, 3);
        using var b = DeviceWeights.Random(fixture.Device, config, DeviceWeightType.BF16, 3);
        var wa = new ushort[48 * 32];
        var wb = new ushort[48 * 32];
        a.Matrix(WeightKind.W1, 1).CopyToCPU(wa);
        b.Matrix(WeightKind.W1, 1).CopyToCPU(wb);
        Assert.Equal(wa, wb);
        var values = wa.Select(bits => GpuKernels.ToFloat(bits, 0)).ToArray();
        var scale = 1.7f / MathF.Sqrt(32) * 1.01f;
        Assert.All(values, v => Assert.InRange(v, -scale, scale));
        Assert.True(values.Distinct().Count() > 100);
    }
}
