using System.Runtime.InteropServices;

namespace Fleet.Inference.Model;

/// <summary>
/// Float32 weights of one transformer, wherever they live (a memory-mapped checkpoint or native memory), addressed by kind and layer.
/// Owns what it points into and releases it on <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class TransformerWeights : IDisposable
{
    private readonly float*[] _bases;
    private readonly List<IDisposable> _owners;
    private bool _disposed;

    internal TransformerWeights(TransformerConfig config, float*[] bases, IEnumerable<IDisposable> owners)
    {
        Config = config;
        _bases = bases;
        _owners = [.. owners];
    }

    public TransformerConfig Config { get; }

    /// <summary>Allocates zeroed, 64-byte aligned native storage for every tensor of <paramref name="config"/>.</summary>
    public static TransformerWeights Allocate(TransformerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var bases = new float*[WeightShapes.All.Count];
        var owners = new List<IDisposable>();
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && config.SharedClassifier)
            {
                continue;
            }

            var block = new NativeBlock(WeightShapes.TotalLength(config, kind));
            owners.Add(block);
            bases[(int)kind] = block.Pointer;
        }

        if (config.SharedClassifier)
        {
            bases[(int)WeightKind.Classifier] = bases[(int)WeightKind.TokenEmbedding];
        }

        return new TransformerWeights(config, bases, owners);
    }

    /// <summary>One layer's slice of a tensor (layer ignored for whole-model tensors).</summary>
    public Span<float> Get(WeightKind kind, int layer = 0)
    {
        var length = WeightShapes.SliceLength(Config, kind);
        return new Span<float>(Pointer(kind, layer), checked((int)length));
    }

    internal float* Pointer(WeightKind kind, int layer = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var b = _bases[(int)kind];
        return WeightShapes.IsPerLayer(kind) ? b + (layer * WeightShapes.SliceLength(Config, kind)) : b;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var owner in _owners)
        {
            owner.Dispose();
        }
    }

    /// <summary>Aligned native memory for weights too big for a managed array.</summary>
    internal sealed class NativeBlock : IDisposable
    {
        public NativeBlock(long floats)
        {
            var bytes = (nuint)(Math.Max(floats, 1) * sizeof(float));
            Pointer = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            NativeMemory.Clear(Pointer, bytes);
        }

        public float* Pointer { get; private set; }

        public void Dispose()
        {
            if (Pointer != null)
            {
                NativeMemory.AlignedFree(Pointer);
                Pointer = null;
            }
        }
    }
}
