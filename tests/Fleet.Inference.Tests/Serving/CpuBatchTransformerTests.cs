using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tests.Serving;

public class CpuBatchTransformerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Step_MixedPrefillAndDecodeRows_LogitsEqualSingleSequenceEngineBitForBit(int threads)
    {
        // Big enough that the products (1000 × 128) and attention take the parallel paths.
        var config = ModelShape.Of(128, 384, 2, 8, 2, 1000, 96, false);
        using var w = SyntheticWeights.Create(config, new Random(5));
        int[][] prompts = [[1, 17, 5, 63, 0, 40, 7], [1, 999, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]];

        // Alone: each sequence through the single-sequence engine.
        var expected = prompts.Select(p =>
        {
            using var single = new CpuTransformer(w, threads);
            for (var pos = 0; pos < p.Length - 1; pos++)
            {
                single.Prefill(p[pos], pos);
            }

            return single.Forward(p[^1], p.Length - 1).ToArray();
        }).ToArray();

        using var batch = new CpuBatchTransformer(w, threads);
        var seqs = prompts.Select(p => batch.Open(p.Length + 4)).ToArray();

        // Step 1: sequence 0 prefills its first 4 tokens (a chunk), sequence 1 its whole prompt with logits.
        batch.Step([.. Rows(seqs[0], prompts[0], 0, 4, false), .. Rows(seqs[1], prompts[1], 0, 3, true)]);
        Assert.Equal(expected[1], batch.Logits(0).ToArray());

        // Step 2: sequence 0 finishes its prompt beside all of sequence 2's.
        batch.Step([.. Rows(seqs[2], prompts[2], 0, prompts[2].Length, true), .. Rows(seqs[0], prompts[0], 4, 3, true)]);
        Assert.Equal(expected[2], batch.Logits(0).ToArray());
        Assert.Equal(expected[0], batch.Logits(1).ToArray());
        foreach (var s in seqs)
        {
            s.Dispose();
            Assert.True(s.IsDisposed);
        }
    }

    [Fact]
    public void Step_DecodeRowsOfSeveralSequences_EachEqualsItsOwnDecode()
    {
        var config = ModelShape.Of(64, 160, 2, 4, 4, 400, 32, true);
        using var w = SyntheticWeights.Create(config, new Random(11));
        using var batch = new CpuBatchTransformer(w, threads: 2);
        using var single = new CpuTransformer(w, threads: 2);
        using var a = batch.Open(8);
        using var b = batch.Open(8);
        batch.Step([new BatchRow(a, 1, 0, false), new BatchRow(a, 9, 1, false), new BatchRow(b, 1, 0, false)]);
        batch.Step([new BatchRow(b, 33, 1, true), new BatchRow(a, 77, 2, true)]);
        single.Prefill(1, 0);
        single.Prefill(9, 1);
        Assert.Equal(single.Forward(77, 2).ToArray(), batch.Logits(1).ToArray());
    }

    [Fact]
    public void Step_PositionBeyondTheSequenceCache_Throws()
    {
        var config = ModelShape.Of(32, 48, 1, 4, 4, 360, 16, true);
        using var w = SyntheticWeights.Create(config, new Random(1));
        using var batch = new CpuBatchTransformer(w, threads: 1);
        using var s = batch.Open(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Step([new BatchRow(s, 1, 2, true)]));
    }

    private static IEnumerable<BatchRow> Rows(KvSequence s, int[] prompt, int from, int count, bool logitsAtEnd) =>
        Enumerable.Range(from, count).Select(p => new BatchRow(s, prompt[p], p, logitsAtEnd && p == from + count - 1));
}
