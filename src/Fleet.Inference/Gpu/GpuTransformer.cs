using Fleet.Domain.Models;
using Fleet.Inference.Model;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Gpu;

/// <summary>
/// The transformer on an ILGPU device. A forward pass takes rows (token, sequence slot, position): B rows in
/// different slots are one decode step of B independent sequences; T rows of one slot are a batched prefill.
/// Logits are computed only for the rows asked for (the last prompt position, or every decoding sequence). The KV cache
/// holds 16-bit values of the weights' type. Up to the backend's <see cref="IMatmulBackend.FusedRowLimit"/> rows run
/// through four fused launches per layer (QKV+RMSNorm+RoPE+KV write, split-sequence attention, Wo+residual, the
/// MLP); larger passes use the backend's products, and prefill attention its batched products when it has them.
/// </summary>
public sealed class GpuTransformer : IDecoder
{
    private readonly GpuDevice _device;
    private readonly DeviceWeights _weights;
    private readonly IMatmulBackend _matmul;
    private readonly KernelDims _dims;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _x;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _xb;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _q;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _k;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _v;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _hb;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _hb2;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _x2;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _partial;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _stats;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _counters;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _xLast;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _logits;
    private readonly MemoryBuffer1D<ushort, Stride1D.Dense> _keyCache;
    private readonly MemoryBuffer1D<ushort, Stride1D.Dense> _valueCache;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _tokens;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _slots;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _positions;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _logitRows;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _argmax;
    private readonly float[] _hostLogits;
    private readonly bool _fusable;
    private readonly int _chunk;

    /// <param name="maxRows">Most rows per forward pass (largest decode batch or prefill chunk).</param>
    /// <param name="slots">Independent sequences the KV cache holds.</param>
    /// <param name="seqLen">Positions per sequence in the KV cache.</param>
    /// <param name="kvType">16-bit type of the KV cache; the weights' type when null (as vLLM's "auto").</param>
    public GpuTransformer(GpuDevice device, DeviceWeights weights, int maxRows, int slots, int seqLen, IMatmulBackend? matmul = null, DeviceWeightType? kvType = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        _device = device;
        _weights = weights;
        _matmul = matmul ?? device.Matmul;
        var c = weights.Config;
        MaxRows = maxRows;
        Slots = slots;
        SeqLen = Math.Min(seqLen, c.MaxContext);
        _dims = new KernelDims
        {
            Dim = c.Dim, HiddenDim = c.HiddenDim, Heads = c.Heads, KvHeads = c.KvHeads, HeadSize = c.HeadDim, KvDim = c.KvDim,
            SeqLen = SeqLen, Vocab = c.VocabSize, Theta = c.RopeTheta, Eps = c.RmsNormEps, WeightType = (int)weights.Type,
            KvType = (int)(kvType ?? weights.Type), Slice = device.MlpSlice,
        };
        _chunk = Math.Min(device.AttentionChunk, GpuKernels.MaxAttentionChunk);
        _fusable = c.Dim % 8 == 0 && c.HiddenDim % 8 == 0 && c.HeadDim % 2 == 0;
        var a = device.Accelerator;
        var logitRows = Math.Max(slots, 1);
        _x = a.Allocate1D<float>((long)maxRows * c.Dim);
        _xb = a.Allocate1D<float>((long)maxRows * c.Dim);
        _q = a.Allocate1D<float>((long)maxRows * c.Dim);
        _k = a.Allocate1D<float>((long)maxRows * c.KvDim);
        _v = a.Allocate1D<float>((long)maxRows * c.KvDim);
        _hb = a.Allocate1D<float>((long)maxRows * c.HiddenDim);
        _hb2 = a.Allocate1D<float>((long)maxRows * c.HiddenDim);
        _x2 = a.Allocate1D<float>((long)maxRows * c.Dim);
        var parts = (long)maxRows * c.Heads * Chunks(SeqLen, _chunk);
        _partial = a.Allocate1D<float>(parts * c.HeadDim);
        _stats = a.Allocate1D<float>(parts * 2);
        _counters = a.Allocate1D<int>((long)maxRows * c.Heads);
        _counters.MemSetToZero();
        _xLast = a.Allocate1D<float>((long)logitRows * c.Dim);
        _logits = a.Allocate1D<float>((long)logitRows * c.VocabSize);
        _keyCache = a.Allocate1D<ushort>((long)c.Layers * slots * SeqLen * c.KvDim);
        _valueCache = a.Allocate1D<ushort>((long)c.Layers * slots * SeqLen * c.KvDim);
        // A profile decodes at contexts it never prefilled: read zeros, not whatever the allocator left. Garbage can
        // hold NaN bit patterns, and ILGPU's CPU accelerator implements a float Atomic.Add as a compare-exchange loop
        // that never ends on NaN (NaN != NaN), which hung the CPU-accelerator tests now and then.
        _keyCache.MemSetToZero();
        _valueCache.MemSetToZero();
        _tokens = a.Allocate1D<int>(maxRows);
        _slots = a.Allocate1D<int>(maxRows);
        _positions = a.Allocate1D<int>(maxRows);
        _logitRows = a.Allocate1D<int>(logitRows);
        _argmax = a.Allocate1D<int>(logitRows);
        _hostLogits = new float[c.VocabSize];
    }

    public ModelShape Config => _weights.Config;

    public int MaxRows { get; }

    public int Slots { get; }

    public int SeqLen { get; }

    /// <summary>16-bit type of the KV cache.</summary>
    public DeviceWeightType KvType => (DeviceWeightType)_dims.KvType;

    /// <summary>Name of the matrix-product backend in use.</summary>
    public string MatmulBackend => _matmul.Name;

    /// <summary>
    /// Device bytes of activations and attention scratch for this engine's sizes (the KV cache is counted per token by
    /// the caller). Per (row, head): split-sequence partials of at most seqLen + headSize floats and their statistics,
    /// plus a vendor prefill's float scores and 16-bit probabilities (1.5 floats per position).
    /// </summary>
    public static long WorkspaceBytes(ModelShape c, int maxRows, int slots, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(c);
        var attention = (long)c.Heads * ((5L * seqLen / 2) + c.HeadDim + 3);
        return sizeof(float) * (((long)maxRows * ((4L * c.Dim) + (2L * c.KvDim) + (2L * c.HiddenDim) + attention))
            + ((long)slots * (c.Dim + c.VocabSize)));
    }

    /// <summary>
    /// Runs rows through the model; logits are computed for the rows listed in <paramref name="logitRows"/>
    /// (in that order, at most <see cref="Slots"/>). Asynchronous on the device: read results with the methods below.
    /// </summary>
    public void ForwardRows(ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots, ReadOnlySpan<int> positions, ReadOnlySpan<int> logitRows)
    {
        var rows = tokens.Length;
        if (rows == 0 || rows > MaxRows || slots.Length != rows || positions.Length != rows)
        {
            throw new ArgumentException($"Need 1..{MaxRows} rows with a slot and position each.", nameof(tokens));
        }

        if (logitRows.Length == 0 || logitRows.Length > Slots)
        {
            throw new ArgumentException($"Need 1..{Slots} logit rows.", nameof(logitRows));
        }

        var c = Config;
        for (var r = 0; r < rows; r++)
        {
            if ((uint)tokens[r] >= (uint)c.VocabSize || (uint)slots[r] >= (uint)Slots || (uint)positions[r] >= (uint)SeqLen)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Row {r}: token {tokens[r]}, slot {slots[r]}, position {positions[r]} out of range.");
            }
        }

        foreach (var lr in logitRows)
        {
            if ((uint)lr >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(logitRows), lr, "Logit row out of range.");
            }
        }

        _tokens.View.SubView(0, rows).CopyFromCPU(tokens.ToArray());
        _slots.View.SubView(0, rows).CopyFromCPU(slots.ToArray());
        _positions.View.SubView(0, rows).CopyFromCPU(positions.ToArray());
        _logitRows.View.SubView(0, logitRows.Length).CopyFromCPU(logitRows.ToArray());
        var d = _dims;
        d.Rows = rows;
        d.Chunk = _chunk;
        var maxPos = 0;
        foreach (var p in positions)
        {
            maxPos = Math.Max(maxPos, p);
        }

        d.Chunks = Chunks(maxPos + 1, _chunk);
        _device.Kernels.Embedding(rows * c.Dim, _weights.Matrix(WeightKind.TokenEmbedding), _tokens.View, _x.View, d);
        if (_fusable && rows <= _matmul.FusedRowLimit)
        {
            FusedLayers(d);
        }
        else
        {
            Layers(d, PrefillStart(slots, positions), slots[0]);
        }

        var n = logitRows.Length;
        _device.Kernels.Gather(n * c.Dim, _x.View, _logitRows.View, _xLast.View, c.Dim);
        var classifier = new GemvArgs { N = c.Dim, D = c.VocabSize, Rows = n, WeightType = d.WeightType, NormInput = 1, Eps = c.RmsNormEps };
        if (_fusable)
        {
            var x4 = ((ArrayView<float>)_xLast.View).Cast<Float4>();
            _device.Kernels.GemvWarp(_device.WarpGroups((long)n * c.VocabSize), x4, _weights.Norm(WeightKind.RmsFinal).Cast<Float4>(),
                _weights.Matrix(WeightKind.Classifier).Cast<Vec8>(), _logits.View, _logits.View, classifier);
        }
        else
        {
            _device.Kernels.RmsNorm(new KernelConfig(n, _device.GroupSize), _xLast.View, _weights.Norm(WeightKind.RmsFinal), _xLast.View, d);
            Gemv(_xLast.View, WeightKind.Classifier, 0, _logits.View, n, c.Dim, c.VocabSize, false);
        }

        LogitRowCount = n;
    }

    /// <summary>Rows with logits after the last forward pass.</summary>
    public int LogitRowCount { get; private set; }

    /// <summary>Greedy next tokens of the logit rows (argmax on the device; waits for the device).</summary>
    public int[] Argmax()
    {
        _device.Kernels.Argmax(new KernelConfig(LogitRowCount, _device.GroupSize), _logits.View, _argmax.View, Config.VocabSize);
        var result = new int[LogitRowCount];
        _argmax.View.SubView(0, LogitRowCount).CopyToCPU(result);
        return result;
    }

    /// <summary>Copies logit row <paramref name="row"/> to the host (waits for the device).</summary>
    public float[] Logits(int row)
    {
        var result = new float[Config.VocabSize];
        _logits.View.SubView((long)row * Config.VocabSize, Config.VocabSize).CopyToCPU(result);
        return result;
    }

    /// <summary>One decode step of sequences 0..B−1, each at its own position; returns their greedy next tokens.</summary>
    public int[] DecodeGreedy(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions)
    {
        var b = tokens.Length;
        var slots = Enumerable.Range(0, b).ToArray();
        ForwardRows(tokens, slots, positions, slots);
        return Argmax();
    }

    /// <summary>Prefills <paramref name="tokens"/> into <paramref name="slot"/> from <paramref name="startPos"/> in chunks of <see cref="MaxRows"/>; logits of the last.</summary>
    public void Prefill(int slot, ReadOnlySpan<int> tokens, int startPos)
    {
        for (var offset = 0; offset < tokens.Length; offset += MaxRows)
        {
            var count = Math.Min(MaxRows, tokens.Length - offset);
            var slots = Enumerable.Repeat(slot, count).ToArray();
            var positions = Enumerable.Range(startPos + offset, count).ToArray();
            ForwardRows(tokens.Slice(offset, count), slots, positions, [count - 1]);
        }
    }

    /// <summary>Single-sequence step in slot 0 (the `fleet infer run --device gpu` path).</summary>
    public Span<float> Forward(int token, int pos)
    {
        ForwardRows([token], [0], [pos], [0]);
        _logits.View.SubView(0, Config.VocabSize).CopyToCPU(_hostLogits);
        return _hostLogits;
    }

    public void Synchronize() => _device.Synchronize();

    public void Dispose()
    {
        foreach (var b in new MemoryBuffer[] { _x, _xb, _q, _k, _v, _hb, _hb2, _x2, _partial, _stats, _counters, _xLast, _logits, _keyCache, _valueCache, _tokens, _slots, _positions, _logitRows, _argmax })
        {
            b.Dispose();
        }
    }

    private static int Chunks(int positions, int chunk) => (positions + chunk - 1) / chunk;

    /// <summary>The first position when the rows are one sequence's consecutive positions (a prefill chunk), else −1.</summary>
    private static int PrefillStart(ReadOnlySpan<int> slots, ReadOnlySpan<int> positions)
    {
        if (slots.Length < 2)
        {
            return -1;
        }

        for (var r = 1; r < slots.Length; r++)
        {
            if (slots[r] != slots[0] || positions[r] != positions[0] + r)
            {
                return -1;
            }
        }

        return positions[0];
    }

    /// <summary>Four launches per layer: QKV with RMSNorm, RoPE and the KV write; attention; Wo + residual; the MLP.</summary>
    private void FusedLayers(KernelDims d)
    {
        var c = Config;
        var k = _device.Kernels;
        var rows = d.Rows;
        var x4 = ((ArrayView<float>)_x.View).Cast<Float4>();
        var x24 = ((ArrayView<float>)_x2.View).Cast<Float4>();
        var xb4 = ((ArrayView<float>)_xb.View).Cast<Float4>();
        var slices = (c.HiddenDim + d.Slice - 1) / d.Slice;
        for (var l = 0; l < c.Layers; l++)
        {
            d.LayerOffset = (long)l * Slots * SeqLen * c.KvDim;
            k.QkvRope(_device.WarpGroups((long)rows * ((c.Dim + (2 * c.KvDim)) / 2)), x4, _weights.Norm(WeightKind.RmsAtt, l).Cast<Float4>(),
                Vectors(WeightKind.Wq, l), Vectors(WeightKind.Wk, l), Vectors(WeightKind.Wv, l), _q.View, _keyCache.View, _valueCache.View, _slots.View, _positions.View, d);
            Attention(d);
            var wo = new GemvArgs { N = c.Dim, D = c.Dim, Rows = rows, Accumulate = 1, Mirror = 1, WeightType = d.WeightType };
            k.GemvWarp(_device.WarpGroups((long)rows * c.Dim), xb4, xb4, Vectors(WeightKind.Wo, l), _x.View, _x2.View, wo);
            k.Mlp(new KernelConfig(rows * slices, _device.GroupSize), x24, _weights.Norm(WeightKind.RmsFfn, l).Cast<Float4>(),
                Vectors(WeightKind.W1, l), Vectors(WeightKind.W3, l), Vectors(WeightKind.W2, l), _x.View, d);
        }
    }

    /// <summary>Separate kernels around the backend's products (large batches, prefill, shapes not in 16-byte rows).</summary>
    private void Layers(KernelDims d, int prefillStart, int slot)
    {
        var c = Config;
        var k = _device.Kernels;
        var rows = d.Rows;
        var groups = new KernelConfig(rows, _device.GroupSize);
        var prefill = prefillStart >= 0 ? _matmul as IPrefillAttention : null;
        for (var l = 0; l < c.Layers; l++)
        {
            d.LayerOffset = (long)l * Slots * SeqLen * c.KvDim;
            k.RmsNorm(groups, _x.View, _weights.Norm(WeightKind.RmsAtt, l), _xb.View, d);
            Gemv(_xb.View, WeightKind.Wq, l, _q.View, rows, c.Dim, c.Dim, false);
            Gemv(_xb.View, WeightKind.Wk, l, _k.View, rows, c.Dim, c.KvDim, false);
            Gemv(_xb.View, WeightKind.Wv, l, _v.View, rows, c.Dim, c.KvDim, false);
            k.Rope(rows * (c.Dim / 2), _q.View, _k.View, _positions.View, d);
            k.KvWrite(rows * c.KvDim, _k.View, _v.View, _keyCache.View, _valueCache.View, _slots.View, _positions.View, d);
            if (prefill is not null)
            {
                var keys = prefillStart + rows;
                var offset = d.LayerOffset + ((long)slot * SeqLen * c.KvDim);
                prefill.Prefill(_q.View, _keyCache.View.SubView(offset, (long)keys * c.KvDim), _valueCache.View.SubView(offset, (long)keys * c.KvDim), _xb.View, d,
                    new PrefillArgs { T = rows, P = keys, StartPos = prefillStart, HeadSize = c.HeadDim, WeightType = d.KvType });
            }
            else
            {
                Attention(d);
            }

            Gemv(_xb.View, WeightKind.Wo, l, _x.View, rows, c.Dim, c.Dim, true);
            k.RmsNorm(groups, _x.View, _weights.Norm(WeightKind.RmsFfn, l), _xb.View, d);
            Gemv(_xb.View, WeightKind.W1, l, _hb.View, rows, c.Dim, c.HiddenDim, false);
            Gemv(_xb.View, WeightKind.W3, l, _hb2.View, rows, c.Dim, c.HiddenDim, false);
            k.SwiGlu(rows * c.HiddenDim, _hb.View, _hb2.View);
            Gemv(_hb.View, WeightKind.W2, l, _x.View, rows, c.HiddenDim, c.Dim, true);
        }
    }

    private void Attention(KernelDims d) =>
        _device.Kernels.AttentionSplit(new KernelConfig(d.Rows * d.Heads * d.Chunks, _device.GroupSize), _q.View, ((ArrayView<ushort>)_keyCache.View).Cast<uint>(), _valueCache.View,
            _partial.View, _stats.View, _counters.View, _xb.View, _slots.View, _positions.View, d);

    private ArrayView<Vec8> Vectors(WeightKind kind, int layer) => _weights.Matrix(kind, layer).Cast<Vec8>();

    private void Gemv(ArrayView<float> x, WeightKind kind, int layer, ArrayView<float> y, int rows, int n, int d, bool accumulate) =>
        _matmul.Gemv(x, _weights.Matrix(kind, layer), y, new GemvArgs { N = n, D = d, Rows = rows, Accumulate = accumulate ? 1 : 0, WeightType = (int)_weights.Type });
}
