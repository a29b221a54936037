using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Gpu;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;

namespace Fleet.Inference.Tests;

/// <summary>One CPU-accelerator device shared by the GPU-engine tests (creating a context is slow).</summary>
public sealed class CpuAcceleratorFixture : IDisposable
{
    public GpuDevice Device { get; } = GpuDevice.CreateCpuAccelerator();

    public void Dispose() => Device.Dispose();
}

/// <summary>
/// The ILGPU kernels on ILGPU's CPU accelerator against the CPU engine on the same (16-bit-rounded) weights.
/// Tolerance: |Δlogit| ≤ 2e-3·(1 + |logit|) — only float summation order differs.
/// </summary>
public class GpuEngineTests(CpuAcceleratorFixture fixture) : IClassFixture<CpuAcceleratorFixture>
{
    private static readonly TransformerConfig Config = new(32, 48, 2, 4, 2, 96, 24, false);

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-3 * (1 + Math.Abs(expected[i])), $"{what}: logit {i} {actual[i]} vs {expected[i]}");
        }
    }

    private static TransformerWeights Weights(TransformerConfig config, DeviceWeightType type, int seed)
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
        var config = Config with { SharedClassifier = shared };
        using var host = Weights(config, type, 5);
        using var dw = DeviceWeights.Upload(fixture.Device, host, type);
        using var gpu = new GpuTransformer(fixture.Device, dw, 4, 2, config.SeqLen);
        using var cpu = new CpuTransformer(host, 1);
        int[] tokens = [1, 50, 7, 95, 3];
        for (var pos = 0; pos < tokens.Length; pos++)
        {
            AssertClose(cpu.Forward(tokens[pos], pos), gpu.Forward(tokens[pos], pos), $"pos {pos}");
        }
    }

    [Fact]
    public void DecodeGreedy_TwelveSteps_SameTokensAsCpuEngine()
    {
        using var host = Weights(Config, DeviceWeightType.BF16, 8);
        using var dw = DeviceWeights.Upload(fixture.Device, host, DeviceWeightType.BF16);
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, Config.SeqLen);
        using var cpu = new CpuTransformer(host, 1);
        int cpuToken = 1, gpuToken = 1;
        var cpuTokens = new List<int>();
        var gpuTokens = new List<int>();
        for (var pos = 0; pos < 12; pos++)
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
        using var gpu = new GpuTransformer(fixture.Device, dw, 3, 3, Config.SeqLen);
        int[][] streams = [[1, 4, 9], [2, 60, 61], [90, 0, 33]];
        var cpus = streams.Select(_ => new CpuTransformer(host, 1)).ToArray();
        try
        {
            for (var pos = 0; pos < 3; pos++)
            {
                gpu.ForwardRows([streams[0][pos], streams[1][pos], streams[2][pos]], [0, 1, 2], [pos, pos, pos], [0, 1, 2]);
                for (var s = 0; s < 3; s++)
                {
                    AssertClose(cpus[s].Forward(streams[s][pos], pos), gpu.Logits(s), $"seq {s} pos {pos}");
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
        using var gpu = new GpuTransformer(fixture.Device, dw, 4, 2, Config.SeqLen);
        using var cpu = new CpuTransformer(host, 1);
        int[] prompt = [1, 17, 42, 8, 77, 5];
        float[] expected = [];
        for (var pos = 0; pos < prompt.Length; pos++)
        {
            expected = cpu.Forward(prompt[pos], pos).ToArray();
        }

        gpu.Prefill(1, prompt, 0);
        AssertClose(expected, gpu.Logits(0), "prefill");

        // Decoding continues from the prefilled cache in slot 1.
        var next = Sampler.Argmax(expected);
        gpu.ForwardRows([next], [1], [prompt.Length], [0]);
        AssertClose(cpu.Forward(next, prompt.Length), gpu.Logits(0), "after prefill");
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
        using var gpu = new GpuTransformer(fixture.Device, dw, 1, 1, config.SeqLen);
        Assert.Equal(0, gpu.DecodeGreedy([3], [0])[0]);
    }
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
