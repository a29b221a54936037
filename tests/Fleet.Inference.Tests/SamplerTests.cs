using Fleet.Inference.Sampling;

namespace Fleet.Inference.Tests;

public class SamplerTests
{
    private static float[] Logits(params double[] probabilities) => [.. probabilities.Select(p => (float)Math.Log(p))];

    [Fact]
    public void Sample_TemperatureZero_ReturnsFirstMaximum()
    {
        var s = new Sampler(0f, 0.9f, 0);
        Assert.Equal(1, s.Sample(new[] { 1f, 3f, 3f, 2f }));
    }

    [Fact]
    public void Sample_SameSeed_SameSequence()
    {
        var a = new Sampler(1f, 0f, 1234);
        var b = new Sampler(1f, 0f, 1234);
        var c = new Sampler(1f, 0f, 1235);
        var sa = Enumerable.Range(0, 200).Select(_ => a.Sample(Logits(0.1, 0.2, 0.3, 0.4))).ToArray();
        var sb = Enumerable.Range(0, 200).Select(_ => b.Sample(Logits(0.1, 0.2, 0.3, 0.4))).ToArray();
        var sc = Enumerable.Range(0, 200).Select(_ => c.Sample(Logits(0.1, 0.2, 0.3, 0.4))).ToArray();
        Assert.Equal(sa, sb);
        Assert.NotEqual(sa, sc);
    }

    [Fact]
    public void Prepare_LeavesTheSeededSequenceUnchanged()
    {
        var probs = new float[] { 0.1f, 0.4f, 0.2f, 0.3f };
        var plain = new Sampler(1f, 0.9f, 42);
        var prepared = new Sampler(1f, 0.9f, 42);
        prepared.Prepare();
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(plain.Sample((float[])probs.Clone()), prepared.Sample((float[])probs.Clone()));
        }
    }

    [Fact]
    public void Sample_Multinomial_FrequenciesFollowProbabilities()
    {
        var s = new Sampler(1f, 1f, 99);
        var counts = new int[4];
        const int n = 20000;
        for (var i = 0; i < n; i++)
        {
            counts[s.Sample(Logits(0.1, 0.2, 0.3, 0.4))]++;
        }

        // Binomial standard deviation at n = 20000 is ≤ 0.0035; allow 4σ.
        Assert.Equal(0.1, counts[0] / (double)n, 0.014);
        Assert.Equal(0.4, counts[3] / (double)n, 0.014);
    }

    [Fact]
    public void Sample_TopP_DrawsOnlyFromTheNucleusInProportion()
    {
        // Sorted: 0.5, 0.3, 0.15, 0.05; cumulative passes 0.7 at the second, so only tokens 2 and 0 (renormalised 0.625/0.375).
        var s = new Sampler(1f, 0.7f, 7);
        var counts = new int[4];
        const int n = 10000;
        for (var i = 0; i < n; i++)
        {
            counts[s.Sample(Logits(0.3, 0.15, 0.5, 0.05))]++;
        }

        Assert.Equal(0, counts[1] + counts[3]);
        Assert.Equal(0.625, counts[2] / (double)n, 0.02);
    }

    [Fact]
    public void SampleMult_Coin_PicksFirstCdfAboveIt()
    {
        float[] p = [0.2f, 0.5f, 0.3f];
        Assert.Equal(0, Sampler.SampleMult(p, 0.19f));
        Assert.Equal(1, Sampler.SampleMult(p, 0.65f));
        Assert.Equal(2, Sampler.SampleMult(p, 0.71f));
    }

    [Fact]
    public void Sample_TemperatureHalf_SharpensDistribution()
    {
        // p ∝ (0.2, 0.8) at T=1 becomes ∝ (0.04, 0.64) at T=0.5: P(1) = 16/17.
        var s = new Sampler(0.5f, 1f, 5);
        var ones = Enumerable.Range(0, 20000).Count(_ => s.Sample(Logits(0.2, 0.8)) == 1);
        Assert.Equal(16.0 / 17, ones / 20000.0, 0.01);
    }

    [Fact]
    public void Constructor_NegativeTemperature_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(-1f, 0.9f, 1));
    }
}
