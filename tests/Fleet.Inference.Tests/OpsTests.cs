using Fleet.Inference.Cpu;

namespace Fleet.Inference.Tests;

public class OpsTests
{
    private static float[] RandomVector(Random r, int n, float scale = 1f) => [.. Enumerable.Range(0, n).Select(_ => (r.NextSingle() - 0.5f) * 2 * scale)];

    [Fact]
    public void RmsNorm_RandomVector_MatchesFormula()
    {
        var r = new Random(1);
        var x = RandomVector(r, 37, 3);
        var w = RandomVector(r, 37);
        var o = new float[37];
        Ops.RmsNorm(o, x, w, 1e-5f);
        var expected = NaiveReference.RmsNorm([.. x.Select(v => (double)v)], w, 1e-5);
        for (var i = 0; i < o.Length; i++)
        {
            Assert.Equal(expected[i], o[i], 1e-5);
        }
    }

    [Fact]
    public void RmsNorm_ConstantVector_GivesWeightTimesSign()
    {
        // x = [2, 2, 2, 2]: mean square 4, so x / sqrt(4 + eps) ≈ 1.
        var o = new float[4];
        Ops.RmsNorm(o, [2f, 2f, 2f, 2f], [1f, 2f, 3f, 4f]);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(i + 1, o[i], 1e-4); // (i + 1) · 2 / sqrt(4 + 1e-5)
        }
    }

    [Fact]
    public void Softmax_KnownInput_MatchesHandComputed()
    {
        // softmax(0, ln 2, ln 5) = (1, 2, 5) / 8.
        var x = new[] { 0f, MathF.Log(2), MathF.Log(5) };
        Ops.Softmax(x);
        Assert.Equal(0.125, x[0], 1e-6);
        Assert.Equal(0.25, x[1], 1e-6);
        Assert.Equal(0.625, x[2], 1e-6);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Softmax_VectorAndTailLengths_MatchNaive(int n)
    {
        var x = RandomVector(new Random(n), n, 8);
        var expected = NaiveReference.Softmax([.. x.Select(v => (double)v)]);
        Ops.Softmax(x);
        for (var i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(expected[i] - x[i]) <= 1e-6 * Math.Max(expected[i], 1e-3), $"[{i}] {x[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Softmax_LargeLogits_DoesNotOverflow()
    {
        var x = new[] { 1000f, 1000f };
        Ops.Softmax(x);
        Assert.Equal([0.5f, 0.5f], x);
    }

    [Fact]
    public void Rope_MatchesComplexRotationPerPair()
    {
        var r = new Random(2);
        const int headSize = 8;
        const int pos = 7;
        var q = RandomVector(r, 16);
        var k = RandomVector(r, 8);
        var q0 = (float[])q.Clone();
        var k0 = (float[])k.Clone();
        Ops.Rope(q, k, pos, headSize);
        for (var i = 0; i < 16; i += 2)
        {
            var j = (i % headSize) / 2;
            var angle = pos * Math.Pow(10000, -2.0 * j / headSize);
            var z = new System.Numerics.Complex(q0[i], q0[i + 1]) * System.Numerics.Complex.FromPolarCoordinates(1, angle);
            Assert.Equal(z.Real, q[i], 1e-5);
            Assert.Equal(z.Imaginary, q[i + 1], 1e-5);
            if (i < 8)
            {
                var zk = new System.Numerics.Complex(k0[i], k0[i + 1]) * System.Numerics.Complex.FromPolarCoordinates(1, angle);
                Assert.Equal(zk.Real, k[i], 1e-5);
                Assert.Equal(zk.Imaginary, k[i + 1], 1e-5);
            }
        }
    }

    [Fact]
    public void RopeApply_TableFromRopeTable_EqualsRopeBitForBit()
    {
        var r = new Random(3);
        var q = RandomVector(r, 24);
        var k = RandomVector(r, 12);
        var q2 = (float[])q.Clone();
        var k2 = (float[])k.Clone();
        Ops.Rope(q, k, 13, 6, 500000f);
        var cos = new float[3];
        var sin = new float[3];
        Ops.RopeTable(cos, sin, 13, 6, 500000f);
        Ops.RopeApply(q2, cos, sin, 6);
        Ops.RopeApply(k2, cos, sin, 6);
        Assert.Equal(q, q2);
        Assert.Equal(k, k2);
    }

    [Fact]
    public void AttentionHead_GroupedCache_MatchesNaive()
    {
        var r = new Random(4);
        const int headSize = 8;
        const int stride = 16;
        const int pos = 5;
        var q = RandomVector(r, headSize);
        var keys = RandomVector(r, (pos + 1) * stride);
        var values = RandomVector(r, (pos + 1) * stride);
        var scores = new float[pos + 1];
        var output = new float[headSize];
        Ops.AttentionHead(q, keys, values, stride, 8, pos, scores, output);

        var s = new double[pos + 1];
        for (var t = 0; t <= pos; t++)
        {
            s[t] = Enumerable.Range(0, headSize).Sum(i => (double)q[i] * keys[(t * stride) + 8 + i]) / Math.Sqrt(headSize);
        }

        var p = NaiveReference.Softmax(s);
        for (var i = 0; i < headSize; i++)
        {
            var expected = Enumerable.Range(0, pos + 1).Sum(t => p[t] * values[(t * stride) + 8 + i]);
            Assert.Equal(expected, output[i], 1e-5);
        }
    }

    [Theory]
    [InlineData(8, 16, 0)]
    [InlineData(48, 288, 40)]
    [InlineData(64, 64, 17)]
    [InlineData(80, 160, 3)]
    [InlineData(128, 256, 33)]
    [InlineData(20, 40, 9)]
    public void AttentionHead_HeadSizes_MatchNaive(int headSize, int stride, int pos)
    {
        var r = new Random(headSize + pos);
        var q = RandomVector(r, headSize);
        var keys = RandomVector(r, (pos + 1) * stride);
        var values = RandomVector(r, (pos + 1) * stride);
        var offset = stride - headSize;
        var scores = new float[pos + 1];
        var output = new float[headSize];
        Ops.AttentionHead(q, keys, values, stride, offset, pos, scores, output);

        var s = new double[pos + 1];
        for (var t = 0; t <= pos; t++)
        {
            s[t] = Enumerable.Range(0, headSize).Sum(i => (double)q[i] * keys[(t * stride) + offset + i]) / Math.Sqrt(headSize);
        }

        var p = NaiveReference.Softmax(s);
        for (var i = 0; i < headSize; i++)
        {
            var expected = Enumerable.Range(0, pos + 1).Sum(t => p[t] * values[(t * stride) + offset + i]);
            Assert.Equal(expected, output[i], 1e-5);
        }
    }

    [Fact]
    public void AttentionHead_PositionBeyondCache_Throws()
    {
        var cache = new float[4 * 16];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Ops.AttentionHead(new float[16], cache, cache, 16, 0, 4, new float[8], new float[16]));
    }

    [Theory]
    [InlineData(7, 5)]
    [InlineData(33, 19)]
    [InlineData(288, 9)]
    public void MatVecRows_OddSizes_MatchNaive(int n, int d)
    {
        var r = new Random(n + d);
        var w = RandomVector(r, n * d);
        var x = RandomVector(r, n);
        var output = new float[d];
        Ops.MatVecRows(output, x, w, 0, d);
        var expected = NaiveReference.MatVec(w, [.. x.Select(v => (double)v)], d);
        for (var i = 0; i < d; i++)
        {
            Assert.Equal(expected[i], output[i], 1e-4);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(35)]
    public void MatMatRows_EveryBatchRemainder_EqualsMatVecRowsPerInputBitForBit(int batch)
    {
        // 4-wide, 2-wide and single dot products cover a batch; each must reduce as the one-vector product does.
        const int n = 297, d = 11;
        var r = new Random(batch);
        var w = RandomVector(r, n * d);
        var x = RandomVector(r, n * batch);
        var output = new float[d * batch];
        Ops.MatMatRows(output, x, batch, w, 0, d);
        for (var b = 0; b < batch; b++)
        {
            var alone = new float[d];
            Ops.MatVecRows(alone, x.AsSpan(b * n, n), w, 0, d);
            Assert.Equal(alone, output.AsSpan(b * d, d).ToArray());
        }
    }

    [Fact]
    public void SwiGlu_VectorAndTail_MatchFormula()
    {
        var r = new Random(6);
        var h = RandomVector(r, 37, 6);
        var gate = RandomVector(r, 37);
        var expected = h.Select((v, i) => v / (1 + Math.Exp(-v)) * gate[i]).ToArray();
        Ops.SwiGlu(h, gate);
        for (var i = 0; i < h.Length; i++)
        {
            Assert.Equal(expected[i], h[i], 1e-6);
        }
    }

    [Fact]
    public void SwiGlu_KnownValues_MatchFormula()
    {
        var h = new[] { 0f, 1f, -2f };
        Ops.SwiGlu(h, [5f, 2f, 3f]);
        Assert.Equal(0, h[0], 1e-7);
        Assert.Equal(2 / (1 + Math.Exp(-1)), h[1], 1e-6);
        Assert.Equal(-6 / (1 + Math.Exp(2)), h[2], 1e-6);
    }
}
