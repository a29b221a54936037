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
        var config = new TransformerConfig(32, 48, 2, heads, kvHeads, 64, 16, shared);
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
        var config = new TransformerConfig(64, 96, 2, 4, 2, 128, 32, false);
        using var w = SyntheticWeights.Create(config, new Random(9));
        using var a = new CpuTransformer(w, threads: 1);
        using var b = new CpuTransformer(w, threads: 2);
        for (var pos = 0; pos < 10; pos++)
        {
            Assert.Equal(a.Forward(pos * 7 % 128, pos).ToArray(), b.Forward(pos * 7 % 128, pos).ToArray());
        }
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
