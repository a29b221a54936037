using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Cpu;

/// <summary>
/// Float32 transformer on the CPU: run.c's forward pass, with the matrix-vector products vectorised and spread over
/// threads (rows are independent, so threading does not change any sum). q/k/v and w1/w3 share one parallel pass each.
/// On AVX-512 machines the logits equal those of run.c built with gcc -Ofast -march=native bit for bit
/// (<see cref="RunCMath"/>), so greedy decoding gives run.c's tokens on any checkpoint.
/// </summary>
public sealed unsafe class CpuTransformer : IDecoder
{
    private readonly TransformerWeights _weights;
    private readonly TransformerWeights? _packed;
    private readonly WorkerPool _pool;
    private readonly int _seqLen;
    private readonly float[] _x;
    private readonly float[] _xb;
    private readonly float[] _xb2;
    private readonly float[] _hb;
    private readonly float[] _hb2;
    private readonly float[] _q;
    private readonly float[] _k;
    private readonly float[] _v;
    private readonly float[] _att;
    private readonly float[] _logits;
    private readonly float[] _ropeCos;
    private readonly float[] _ropeSin;
    private readonly float* _keyCache;
    private readonly float* _valueCache;
    private bool _disposed;

    /// <param name="weights">
    /// The model; the engine does not own it. Weights that are not cache-line aligned (a memory-mapped llama2.c file) and
    /// small enough (see <see cref="PackLimitBytes"/>) are copied once into an aligned huge-page arena the engine owns.
    /// </param>
    /// <param name="threads">Worker threads for the matrix products and attention heads.</param>
    /// <param name="maxSeqLen">Cap on the KV cache length (defaults to the model's seq_len).</param>
    /// <param name="packWeights">Allow the aligned copy described under <paramref name="weights"/> (false: always run in place).</param>
    public CpuTransformer(TransformerWeights weights, int threads = 0, int? maxSeqLen = null, bool packWeights = true)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _packed = packWeights && !weights.IsCacheLineAligned && weights.Bytes <= PackLimitBytes ? TransformerWeights.Pack(weights) : null;
        _weights = _packed ?? weights;
        var c = weights.Config;
        _seqLen = Math.Min(maxSeqLen ?? c.MaxContext, c.MaxContext);
        _pool = new WorkerPool(threads > 0 ? threads : Environment.ProcessorCount);
        _x = new float[c.Dim];
        _xb = new float[c.Dim];
        _xb2 = new float[c.Dim];
        _hb = new float[c.HiddenDim];
        _hb2 = new float[c.HiddenDim];
        _q = new float[c.Dim];
        _k = new float[c.KvDim];
        _v = new float[c.KvDim];
        _att = new float[c.Heads * _seqLen];
        _logits = new float[c.VocabSize];
        _ropeCos = new float[c.HeadDim / 2];
        _ropeSin = new float[c.HeadDim / 2];
        var cacheBytes = (nuint)((long)c.Layers * _seqLen * c.KvDim * sizeof(float));
        _keyCache = (float*)NativeMemory.AllocZeroed(cacheBytes);
        _valueCache = (float*)NativeMemory.AllocZeroed(cacheBytes);
        Ops.WarmUp();
    }

    /// <summary>
    /// Largest model the engine copies into aligned memory: 4 GiB, and at most a quarter of the memory the runtime may
    /// use, so a big checkpoint keeps running from its mapping instead of doubling its footprint.
    /// </summary>
    public static long PackLimitBytes => Math.Min(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>Whether this engine runs from its own aligned copy of the weights.</summary>
    public bool UsesPackedWeights => _packed is not null;

    public ModelShape Config => _weights.Config;

    /// <summary>KV cache bytes this engine holds.</summary>
    public long CacheBytes => 2L * Config.Layers * _seqLen * Config.KvDim * sizeof(float);

    public Span<float> Forward(int token, int pos)
    {
        Layers(token, pos);
        var c = Config;
        Ops.RmsNorm(_x, _x, _weights.Get(WeightKind.RmsFinal), c.RmsNormEps);
        MatVec(_logits, _x, _weights.Pointer(WeightKind.Classifier), c.Dim, c.VocabSize);
        return _logits;
    }

    /// <summary>The layers only: the KV cache gains this position; no logits (the caller knows the next token).</summary>
    public void Prefill(int token, int pos) => Layers(token, pos);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Layers(int token, int pos)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = Config;
        if ((uint)token >= (uint)c.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token must be in [0, {c.VocabSize}).");
        }

        if ((uint)pos >= (uint)_seqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(pos), pos, $"Position must be in [0, {_seqLen}).");
        }

        var dim = c.Dim;
        var kvDim = c.KvDim;
        var headSize = c.HeadDim;
        var x = _x.AsSpan();
        _weights.Get(WeightKind.TokenEmbedding).Slice(token * dim, dim).CopyTo(x);
        Ops.RopeTable(_ropeCos, _ropeSin, pos, headSize, c.RopeTheta);
        var layerCache = (long)_seqLen * kvDim;

        for (var l = 0; l < c.Layers; l++)
        {
            Ops.RmsNorm(_xb, x, _weights.Get(WeightKind.RmsAtt, l), c.RmsNormEps, inLayer: true);
            Qkv(l);
            Ops.RopeApply(_q, _ropeCos, _ropeSin, headSize);
            Ops.RopeApply(_k, _ropeCos, _ropeSin, headSize);
            var keyLayer = _keyCache + (l * layerCache);
            var valueLayer = _valueCache + (l * layerCache);
            _k.AsSpan().CopyTo(new Span<float>(keyLayer + ((long)pos * kvDim), kvDim));
            _v.AsSpan().CopyTo(new Span<float>(valueLayer + ((long)pos * kvDim), kvDim));
            Attention(keyLayer, valueLayer, pos);
            MatVec(_xb2, _xb, _weights.Pointer(WeightKind.Wo, l), dim, dim);
            for (var i = 0; i < dim; i++)
            {
                x[i] += _xb2[i];
            }

            Ops.RmsNorm(_xb, x, _weights.Get(WeightKind.RmsFfn, l), c.RmsNormEps, inLayer: true);
            FeedForwardUp(l);
            MatVec(_xb, _hb, _weights.Pointer(WeightKind.W2, l), c.HiddenDim, dim);
            for (var i = 0; i < dim; i++)
            {
                x[i] += _xb[i];
            }
        }

    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _pool.Dispose();
        _packed?.Dispose();
        NativeMemory.Free(_keyCache);
        NativeMemory.Free(_valueCache);
    }

    private void Qkv(int layer)
    {
        var c = Config;
        var dim = c.Dim;
        var kvDim = c.KvDim;
        var wq = _weights.Pointer(WeightKind.Wq, layer);
        var wk = _weights.Pointer(WeightKind.Wk, layer);
        var wv = _weights.Pointer(WeightKind.Wv, layer);
        var total = dim + (2 * kvDim);
        _pool.ForRows(total, dim, (start, end) =>
        {
            var xb = new ReadOnlySpan<float>(_xb);
            Segment(_q, xb, wq, dim, 0, dim, start, end);
            Segment(_k, xb, wk, dim, dim, kvDim, start, end);
            Segment(_v, xb, wv, dim, dim + kvDim, kvDim, start, end);
        });
    }

    private void FeedForwardUp(int layer)
    {
        var c = Config;
        var dim = c.Dim;
        var hidden = c.HiddenDim;
        var w1 = _weights.Pointer(WeightKind.W1, layer);
        var w3 = _weights.Pointer(WeightKind.W3, layer);
        _pool.ForRows(hidden, 2 * dim, (start, end) =>
        {
            var xb = new ReadOnlySpan<float>(_xb);
            Ops.MatVecRows(_hb, xb, new ReadOnlySpan<float>(w1, hidden * dim), start, end);
            Ops.MatVecRows(_hb2, xb, new ReadOnlySpan<float>(w3, hidden * dim), start, end);
            Ops.SwiGlu(_hb, _hb2, start, end);
        });
    }

    private void Attention(float* keyLayer, float* valueLayer, int pos)
    {
        var c = Config;
        var kvDim = c.KvDim;
        var headSize = c.HeadDim;
        var kvMul = c.HeadsPerKvHead;
        var seqLen = _seqLen;
        var rows = (pos + 1) * kvDim;
        var keys = (nint)keyLayer;
        var values = (nint)valueLayer;
        Action<int> head = h =>
        {
            var q = new ReadOnlySpan<float>(_q, h * headSize, headSize);
            var keyRows = new ReadOnlySpan<float>((float*)keys, rows);
            var valueRows = new ReadOnlySpan<float>((float*)values, rows);
            Ops.AttentionHead(q, keyRows, valueRows, kvDim, h / kvMul * headSize, pos,
                _att.AsSpan(h * seqLen, seqLen), _xb.AsSpan(h * headSize, headSize));
        };
        if ((long)(pos + 1) * c.Dim < WorkerPool.AttentionSerialWork)
        {
            for (var h = 0; h < c.Heads; h++)
            {
                head(h);
            }
        }
        else
        {
            _pool.Run(c.Heads, head);
        }
    }

    private void MatVec(float[] output, float[] x, float* w, int n, int d)
    {
        var wAddress = (nint)w;
        _pool.ForRows(d, n, (start, end) => Ops.MatVecRows(output, x, new ReadOnlySpan<float>((float*)wAddress, checked(d * n)), start, end));
    }

    private static void Segment(float[] output, ReadOnlySpan<float> x, float* w, int n, int first, int count, int start, int end)
    {
        var lo = Math.Max(start, first) - first;
        var hi = Math.Min(end, first + count) - first;
        if (lo < hi)
        {
            Ops.MatVecRows(output, x, new ReadOnlySpan<float>(w, count * n), lo, hi);
        }
    }
}
