using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tests;

public class CpuTransformerTests
{
    public static TheoryData<int, int, bool> Shapes => new()
    {
        { 4, 4, true },
        { 4, 2, false },
        { 4, 1, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_SeveralPositions_MatchesNaiveReference(int heads, int kvHeads, bool shared)
    {
        var config = ModelShape.Of(32, 48, 2, heads, kvHeads, 64, 16, shared);
        using var w = SyntheticWeights.Create(config, new Random(heads * 10 + kvHeads));
        using var engine = new CpuTransformer(w, threads: 2);
        var reference = NaiveReference.For(w);
        int[] tokens = [1, 17, 5, 63, 0, 40];
        for (var pos = 0; pos < tokens.Length; pos++)
        {
            var logits = engine.Forward(tokens[pos], pos).ToArray();
            var expected = reference.Forward(tokens[pos], pos);
            for (var i = 0; i < logits.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"pos {pos} logit {i}: {logits[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void Forward_OneThreadOrTwo_IdenticalBits()
    {
        // Big enough that the matrix products (1000 × 128) and, at position 400, attention take the parallel path.
        var config = ModelShape.Of(128, 384, 2, 8, 2, 1000, 512, false);
        using var w = SyntheticWeights.Create(config, new Random(9));
        using var a = new CpuTransformer(w, threads: 1);
        using var b = new CpuTransformer(w, threads: 2);
        foreach (var pos in new[] { 0, 1, 2, 400, 401 })
        {
            Assert.Equal(a.Forward(pos * 7 % 1000, pos).ToArray(), b.Forward(pos * 7 % 1000, pos).ToArray());
        }
    }

    [Fact]
    public void Forward_MappedCheckpoint_RunsFromAlignedCopyWithIdenticalLogits()
    {
        using var dir = new TempDir();
        using (var w = SyntheticWeights.Create(Llama2CheckpointTests.SmallGqaUntied, new Random(12)))
        {
            Llama2Checkpoint.Write(dir.File("m.bin"), w);
        }

        using var mapped = Llama2Checkpoint.Open(dir.File("m.bin"));
        Assert.False(mapped.IsCacheLineAligned); // the 28-byte header shifts every tensor off a cache line
        using var packed = new CpuTransformer(mapped, threads: 2);
        using var inPlace = new CpuTransformer(mapped, threads: 2, packWeights: false);
        Assert.True(packed.UsesPackedWeights);
        Assert.False(inPlace.UsesPackedWeights);
        for (var pos = 0; pos < 6; pos++)
        {
            Assert.Equal(inPlace.Forward(pos * 11 % 64, pos).ToArray(), packed.Forward(pos * 11 % 64, pos).ToArray());
        }
    }

    [Fact]
    public void Prefill_ThenForward_SameLogitsAsForwardAtEveryPosition()
    {
        using var w = SyntheticWeights.Create(Llama2CheckpointTests.SmallGqaUntied, new Random(21));
        using var full = new CpuTransformer(w, threads: 2);
        using var prefilled = new CpuTransformer(w, threads: 2);
        int[] tokens = [1, 9, 33, 2, 60, 5];
        for (var pos = 0; pos < tokens.Length - 1; pos++)
        {
            _ = full.Forward(tokens[pos], pos);
            prefilled.Prefill(tokens[pos], pos);
        }

        var last = tokens.Length - 1;
        Assert.Equal(full.Forward(tokens[last], last).ToArray(), prefilled.Forward(tokens[last], last).ToArray());
    }

    [Fact]
    public void Forward_AlignedWeights_AreNotCopied()
    {
        using var w = SyntheticWeights.Create(Llama2CheckpointTests.Small, new Random(1));
        Assert.True(w.IsCacheLineAligned);
        using var engine = new CpuTransformer(w);
        Assert.False(engine.UsesPackedWeights);
    }

    [Fact]
    public void Forward_TokenOutOfRange_Throws()
    {
        using var w = SyntheticWeights.Create(Llama2CheckpointTests.Small, new Random(1));
        using var engine = new CpuTransformer(w);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Forward(64, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Forward(0, 16));
    }
}
