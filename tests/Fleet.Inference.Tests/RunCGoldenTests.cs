using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;

namespace Fleet.Inference.Tests;

/// <summary>
/// The CPU engine against logits recorded from llama2.c's run.c (Golden/runc-*.txt says how): the same input tokens must
/// give the same greedy token everywhere, and on the kind of machine the recording was made on, the same bits.
/// </summary>
public class RunCGoldenTests
{
    public static TheoryData<string, ModelShape, int> Models => new()
    {
        // Odd sizes: 204 = 12·16 + 12, head 34 = 2·16 + 2, hidden 524 = 32·16 + 12 — every 16/8/1-wide path; GQA, untied.
        { "odd2", ModelShape.Of(204, 524, 3, 6, 3, 1000, 300, tiedEmbeddings: false), 5 },
        // Multi-query (one KV head), tied classifier, power-of-two sizes.
        { "mqa", ModelShape.Of(192, 512, 3, 6, 1, 2000, 200, tiedEmbeddings: true), 11 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_RecordedRunCTokens_SameGreedyTokenAtEveryPosition(string name, ModelShape config, int seed)
    {
        var (positions, mismatches) = Replay(name, config, seed);
        var argmax = mismatches.Where(m => m.Argmax).ToList();
        Assert.True(argmax.Count == 0, $"{name}: greedy token differs from run.c at {argmax.Count} of {positions} positions, first at pos {argmax.FirstOrDefault().Pos}");
    }

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void Forward_RecordedRunCTokens_LogitsBitForBit(string name, ModelShape config, int seed)
    {
        Skip.IfNot(RunCMath.Exact, "run.c's exact rounding is reproduced on AVX-512 CPUs only");
        Skip.IfNot(IsAmd(), "recorded on AMD Zen 4: rsqrtss/rcpps, which gcc -Ofast uses, round differently on other vendors' CPUs");
        var (positions, mismatches) = Replay(name, config, seed);
        Assert.True(mismatches.Count == 0, $"{name}: logits differ from run.c's at {mismatches.Count} of {positions} positions, first at pos {mismatches.FirstOrDefault().Pos}");
    }

    private static (int Positions, List<(int Pos, bool Argmax)> Mismatches) Replay(string name, ModelShape config, int seed)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Golden", $"runc-{name}.txt"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' '))
            .ToList();
        using var weights = SyntheticWeights.Create(config, new Random(seed));
        using var engine = new CpuTransformer(weights, threads: 2);
        var mismatches = new List<(int, bool)>();
        foreach (var f in lines)
        {
            var pos = int.Parse(f[0]);
            var logits = engine.Forward(int.Parse(f[1]), pos);
            var argmaxDiffers = Sampler.Argmax(logits) != int.Parse(f[2]);
            var hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(logits)))[..16];
            if (argmaxDiffers || hash != f[3])
            {
                mismatches.Add((pos, argmaxDiffers));
            }
        }

        return (lines.Count, mismatches);
    }

    private static bool IsAmd()
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163; // "Auth" "enti" "cAMD"
    }
}
