using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Cpu;

/// <summary>
/// The float32 CPU engine over a batch: the forward pass of <see cref="CpuTransformer"/> for many rows at once, each
/// weight matrix streamed from memory once per step (<see cref="Ops.MatMatRows"/>) and each sequence attending over its
/// own KV cache. Every row runs exactly the arithmetic of <see cref="CpuTransformer"/>, so its logits equal that
/// engine's bit for bit: a sequence gets the same greedy tokens alone or in any batch.
/// </summary>
public sealed unsafe class CpuBatchTransformer : IBatchDecoder
{
    private readonly TransformerWeights _weights;
    private readonly TransformerWeights? _packed;
    private readonly WorkerPool _pool;
    private float[] _x = [], _xb = [], _xb2 = [], _hb = [], _hb2 = [], _q = [], _k = [], _v = [], _cos = [], _sin = [];
    private float[] _final = [], _logits = [];
    private int[] _logitRows = [];
    private int _logitCount;
    private bool _disposed;

    /// <param name="weights">The model; not owned (see <see cref="CpuTransformer"/> for the aligned copy).</param>
    /// <param name="threads">Worker threads (0 = all cores).</param>
    /// <param name="packWeights">Allow the aligned copy of unaligned weights.</param>
    public CpuBatchTransformer(TransformerWeights weights, int threads = 0, bool packWeights = true)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _packed = packWeights && !weights.IsCacheLineAligned && weights.Bytes <= CpuTransformer.PackLimitBytes ? TransformerWeights.Pack(weights) : null;
        _weights = _packed ?? weights;
        _pool = new WorkerPool(threads > 0 ? threads : Environment.ProcessorCount);
        Ops.WarmUp();
    }

    public ModelShape Config => _weights.Config;

    public long KvBytesPerToken => 2L * Config.Layers * Config.KvDim * sizeof(float);

    public KvSequence Open(int capacity)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (capacity < 1 || capacity > Config.MaxContext)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A sequence holds 1 to {Config.MaxContext} positions.");
        }

        return new Sequence(this, Config.Layers, capacity, Config.KvDim);
    }

    public Span<float> Logits(int index)
    {
        if ((uint)index >= (uint)_logitCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The last step produced {_logitCount} logit rows.");
        }

        return _logits.AsSpan(index * Config.VocabSize, Config.VocabSize);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(ReadOnlySpan<BatchRow> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = Config;
        var n = rows.Length;
        _logitCount = 0;
        if (n == 0)
        {
            return;
        }

        var seqs = new Sequence[n];
        var positions = new int[n];
        Ensure(n);
        var dim = c.Dim;
        var kvDim = c.KvDim;
        var half = c.HeadDim / 2;
        var embedding = _weights.Get(WeightKind.TokenEmbedding);
        for (var r = 0; r < n; r++)
        {
            var row = rows[r];
            if (row.Sequence is not Sequence s || s.Owner != this || s.IsDisposed)
            {
                throw new ArgumentException($"Row {r}: the sequence is not open on this engine.", nameof(rows));
            }

            if ((uint)row.Token >= (uint)c.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row.Token, $"Row {r}: token must be in [0, {c.VocabSize}).");
            }

            if ((uint)row.Position >= (uint)s.Capacity)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row.Position, $"Row {r}: position must be in [0, {s.Capacity}).");
            }

            seqs[r] = s;
            positions[r] = row.Position;
            embedding.Slice(row.Token * dim, dim).CopyTo(_x.AsSpan(r * dim, dim));
            Ops.RopeTable(_cos.AsSpan(r * half, half), _sin.AsSpan(r * half, half), row.Position, c.HeadDim, c.RopeTheta);
            if (row.WantLogits)
            {
                _logitRows[_logitCount++] = r;
            }
        }

        for (var l = 0; l < c.Layers; l++)
        {
            var rmsAtt = _weights.Get(WeightKind.RmsAtt, l);
            for (var r = 0; r < n; r++)
            {
                Ops.RmsNorm(_xb.AsSpan(r * dim, dim), _x.AsSpan(r * dim, dim), rmsAtt, c.RmsNormEps, inLayer: true);
            }

            Qkv(l, n);
            for (var r = 0; r < n; r++)
            {
                var cos = _cos.AsSpan(r * half, half);
                var sin = _sin.AsSpan(r * half, half);
                Ops.RopeApply(_q.AsSpan(r * dim, dim), cos, sin, c.HeadDim);
                Ops.RopeApply(_k.AsSpan(r * kvDim, kvDim), cos, sin, c.HeadDim);
                var s = seqs[r];
                _k.AsSpan(r * kvDim, kvDim).CopyTo(new Span<float>(s.Keys(l) + ((long)positions[r] * kvDim), kvDim));
                _v.AsSpan(r * kvDim, kvDim).CopyTo(new Span<float>(s.Values(l) + ((long)positions[r] * kvDim), kvDim));
            }

            Attention(l, seqs, positions);
            MatMul(_xb2, _xb, n, WeightKind.Wo, l, dim, dim);
            Add(_x, _xb2, n * dim);
            var rmsFfn = _weights.Get(WeightKind.RmsFfn, l);
            for (var r = 0; r < n; r++)
            {
                Ops.RmsNorm(_xb.AsSpan(r * dim, dim), _x.AsSpan(r * dim, dim), rmsFfn, c.RmsNormEps, inLayer: true);
            }

            FeedForwardUp(l, n);
            MatMul(_xb, _hb, n, WeightKind.W2, l, c.HiddenDim, dim);
            Add(_x, _xb, n * dim);
        }

        if (_logitCount > 0)
        {
            var rmsFinal = _weights.Get(WeightKind.RmsFinal);
            for (var j = 0; j < _logitCount; j++)
            {
                Ops.RmsNorm(_final.AsSpan(j * dim, dim), _x.AsSpan(_logitRows[j] * dim, dim), rmsFinal, c.RmsNormEps);
            }

            MatMul(_logits, _final, _logitCount, WeightKind.Classifier, 0, dim, c.VocabSize);
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
    }

    private void Ensure(int rows)
    {
        if (_x.Length >= rows * Config.Dim)
        {
            return;
        }

        var c = Config;
        var capacity = Math.Max(rows, _x.Length / c.Dim * 2);
        _x = new float[capacity * c.Dim];
        _xb = new float[capacity * c.Dim];
        _xb2 = new float[capacity * c.Dim];
        _q = new float[capacity * c.Dim];
        _k = new float[capacity * c.KvDim];
        _v = new float[capacity * c.KvDim];
        _hb = new float[capacity * c.HiddenDim];
        _hb2 = new float[capacity * c.HiddenDim];
        _cos = new float[capacity * (c.HeadDim / 2)];
        _sin = new float[capacity * (c.HeadDim / 2)];
        _final = new float[capacity * c.Dim];
        _logits = new float[capacity * c.VocabSize];
        _logitRows = new int[capacity];
    }

    private static void Add(float[] x, float[] delta, int length)
    {
        for (var i = 0; i < length; i++)
        {
            x[i] += delta[i];
        }
    }

    private void Qkv(int layer, int n)
    {
        var c = Config;
        var dim = c.Dim;
        var kvDim = c.KvDim;
        var wq = (nint)_weights.Pointer(WeightKind.Wq, layer);
        var wk = (nint)_weights.Pointer(WeightKind.Wk, layer);
        var wv = (nint)_weights.Pointer(WeightKind.Wv, layer);
        _pool.ForRows(dim + (2 * kvDim), (long)dim * n, (start, end) =>
        {
            Segment(_q, wq, dim, 0, dim, start, end, n);
            Segment(_k, wk, dim, dim, kvDim, start, end, n);
            Segment(_v, wv, dim, dim + kvDim, kvDim, start, end, n);
        });
    }

    private void Segment(float[] output, nint w, int inputs, int first, int count, int start, int end, int n)
    {
        var lo = Math.Max(start, first) - first;
        var hi = Math.Min(end, first + count) - first;
        if (lo < hi)
        {
            Ops.MatMatRows(output.AsSpan(0, n * count), _xb.AsSpan(0, n * inputs), n, new ReadOnlySpan<float>((float*)w, count * inputs), lo, hi);
        }
    }

    private void FeedForwardUp(int layer, int n)
    {
        var c = Config;
        var dim = c.Dim;
        var hidden = c.HiddenDim;
        var w1 = (nint)_weights.Pointer(WeightKind.W1, layer);
        var w3 = (nint)_weights.Pointer(WeightKind.W3, layer);
        _pool.ForRows(hidden, 2L * dim * n, (start, end) =>
        {
            var xb = new ReadOnlySpan<float>(_xb, 0, n * dim);
            Ops.MatMatRows(_hb.AsSpan(0, n * hidden), xb, n, new ReadOnlySpan<float>((float*)w1, hidden * dim), start, end);
            Ops.MatMatRows(_hb2.AsSpan(0, n * hidden), xb, n, new ReadOnlySpan<float>((float*)w3, hidden * dim), start, end);
        });
        for (var r = 0; r < n; r++)
        {
            Ops.SwiGlu(_hb.AsSpan(r * hidden, hidden), _hb2.AsSpan(r * hidden, hidden));
        }
    }

    private void MatMul(float[] output, float[] x, int n, WeightKind kind, int layer, int inputs, int outputs)
    {
        var w = (nint)_weights.Pointer(kind, layer);
        _pool.ForRows(outputs, (long)inputs * n, (start, end) =>
            Ops.MatMatRows(output.AsSpan(0, n * outputs), x.AsSpan(0, n * inputs), n, new ReadOnlySpan<float>((float*)w, checked(outputs * inputs)), start, end));
    }

    private void Attention(int layer, Sequence[] seqs, int[] positions)
    {
        var c = Config;
        var kvDim = c.KvDim;
        var headSize = c.HeadDim;
        var kvMul = c.HeadsPerKvHead;
        var heads = c.Heads;
        var jobs = seqs.Length * heads;
        var longest = positions.Max() + 1;
        long work = 0;
        foreach (var p in positions)
        {
            work += (long)(p + 1) * c.Dim;
        }

        var blocks = work < WorkerPool.AttentionSerialWork ? 1 : Math.Min(jobs, _pool.Workers * 4);
        var size = (jobs + blocks - 1) / blocks;
        var scratch = ArrayPool<float>.Shared.Rent(blocks * longest);
        try
        {
            void Block(int b)
            {
                var scores = scratch.AsSpan(b * longest, longest);
                for (var j = b * size; j < Math.Min(jobs, (b + 1) * size); j++)
                {
                    var r = j / heads;
                    var h = j % heads;
                    var pos = positions[r];
                    var s = seqs[r];
                    var count = (pos + 1) * kvDim;
                    Ops.AttentionHead(new ReadOnlySpan<float>(_q, (r * c.Dim) + (h * headSize), headSize),
                        new ReadOnlySpan<float>(s.Keys(layer), count), new ReadOnlySpan<float>(s.Values(layer), count),
                        kvDim, h / kvMul * headSize, pos, scores, _xb.AsSpan((r * c.Dim) + (h * headSize), headSize));
                }
            }

            if (blocks == 1)
            {
                Block(0);
            }
            else
            {
                _pool.Run(blocks, Block);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private sealed class Sequence : KvSequence
    {
        private readonly float* _keys;
        private readonly float* _values;
        private readonly long _layerStride;
        private readonly long _bytes;
        private int _disposed;

        public Sequence(CpuBatchTransformer owner, int layers, int capacity, int kvDim)
        {
            Owner = owner;
            Capacity = capacity;
            _layerStride = (long)capacity * kvDim;
            _bytes = 2L * layers * _layerStride * sizeof(float);
            _keys = (float*)NativeMemory.AllocZeroed((nuint)(_bytes / 2));
            _values = (float*)NativeMemory.AllocZeroed((nuint)(_bytes / 2));
        }

        public CpuBatchTransformer Owner { get; }

        public override int Capacity { get; }

        public override long Bytes => _bytes;

        public override bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public float* Keys(int layer) => _keys + (layer * _layerStride);

        public float* Values(int layer) => _values + (layer * _layerStride);

        ~Sequence() => Dispose(false);

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                NativeMemory.Free(_keys);
                NativeMemory.Free(_values);
            }
        }
    }
}
