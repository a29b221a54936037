using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tests;

/// <summary>
/// A deliberately plain double-precision transformer written from the Llama paper's equations, used as the oracle.
/// RoPE is done either on interleaved pairs (llama2.c) or with rotate_half (Hugging Face) on HF-ordered weights.
/// </summary>
internal sealed class NaiveReference
{
    private readonly ModelShape _c;
    private readonly Func<WeightKind, int, float[]> _w;
    private readonly bool _rotateHalf;
    private readonly List<double[]>[] _keys;
    private readonly List<double[]>[] _values;

    public NaiveReference(ModelShape config, Func<WeightKind, int, float[]> weights, bool rotateHalf = false)
    {
        _c = config;
        _w = weights;
        _rotateHalf = rotateHalf;
        _keys = [.. Enumerable.Range(0, config.Layers).Select(_ => new List<double[]>())];
        _values = [.. Enumerable.Range(0, config.Layers).Select(_ => new List<double[]>())];
    }

    public static NaiveReference For(TransformerWeights weights) =>
        new(weights.Config, (k, l) => weights.Get(k, l).ToArray());

    public double[] Forward(int token, int pos)
    {
        var c = _c;
        var x = _w(WeightKind.TokenEmbedding, 0).Skip(token * c.Dim).Take(c.Dim).Select(v => (double)v).ToArray();
        for (var l = 0; l < c.Layers; l++)
        {
            var h = RmsNorm(x, _w(WeightKind.RmsAtt, l), c.RmsNormEps);
            var q = MatVec(_w(WeightKind.Wq, l), h, c.Dim);
            var k = MatVec(_w(WeightKind.Wk, l), h, c.KvDim);
            var v = MatVec(_w(WeightKind.Wv, l), h, c.KvDim);
            Rope(q, pos);
            Rope(k, pos);
            _keys[l].Add(k);
            _values[l].Add(v);
            var att = new double[c.Dim];
            for (var head = 0; head < c.Heads; head++)
            {
                var kvHead = head / (c.Heads / c.KvHeads);
                var scores = new double[pos + 1];
                for (var t = 0; t <= pos; t++)
                {
                    double s = 0;
                    for (var i = 0; i < c.HeadDim; i++)
                    {
                        s += q[(head * c.HeadDim) + i] * _keys[l][t][(kvHead * c.HeadDim) + i];
                    }

                    scores[t] = s / Math.Sqrt(c.HeadDim);
                }

                var p = Softmax(scores);
                for (var t = 0; t <= pos; t++)
                {
                    for (var i = 0; i < c.HeadDim; i++)
                    {
                        att[(head * c.HeadDim) + i] += p[t] * _values[l][t][(kvHead * c.HeadDim) + i];
                    }
                }
            }

            var o = MatVec(_w(WeightKind.Wo, l), att, c.Dim);
            for (var i = 0; i < c.Dim; i++)
            {
                x[i] += o[i];
            }

            h = RmsNorm(x, _w(WeightKind.RmsFfn, l), c.RmsNormEps);
            var g = MatVec(_w(WeightKind.W1, l), h, c.HiddenDim);
            var u = MatVec(_w(WeightKind.W3, l), h, c.HiddenDim);
            var act = g.Select((gi, i) => gi / (1 + Math.Exp(-gi)) * u[i]).ToArray();
            var down = MatVec(_w(WeightKind.W2, l), act, c.Dim);
            for (var i = 0; i < c.Dim; i++)
            {
                x[i] += down[i];
            }
        }

        x = RmsNorm(x, _w(WeightKind.RmsFinal, 0), c.RmsNormEps);
        var cls = c.TiedEmbeddings ? _w(WeightKind.TokenEmbedding, 0) : _w(WeightKind.Classifier, 0);
        return MatVec(cls, x, c.VocabSize);
    }

    public static double[] RmsNorm(double[] x, float[] w, double eps)
    {
        var ms = x.Sum(v => v * v) / x.Length;
        var scale = 1 / Math.Sqrt(ms + eps);
        return [.. x.Select((v, i) => v * scale * w[i])];
    }

    public static double[] Softmax(double[] x)
    {
        var max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }

    public static double[] MatVec(float[] w, double[] x, int rows)
    {
        var n = x.Length;
        var y = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            double s = 0;
            for (var j = 0; j < n; j++)
            {
                s += w[(i * n) + j] * x[j];
            }

            y[i] = s;
        }

        return y;
    }

    private void Rope(double[] v, int pos)
    {
        var hs = _c.HeadDim;
        for (var head = 0; head < v.Length / hs; head++)
        {
            for (var j = 0; j < hs / 2; j++)
            {
                var angle = pos * Math.Pow(_c.RopeTheta, -2.0 * j / hs);
                var (a, b) = _rotateHalf ? ((head * hs) + j, (head * hs) + j + (hs / 2)) : ((head * hs) + (2 * j), (head * hs) + (2 * j) + 1);
                var x0 = v[a];
                var x1 = v[b];
                v[a] = (x0 * Math.Cos(angle)) - (x1 * Math.Sin(angle));
                v[b] = (x0 * Math.Sin(angle)) + (x1 * Math.Cos(angle));
            }
        }
    }
}
