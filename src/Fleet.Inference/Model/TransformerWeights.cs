using System.Runtime.InteropServices;
using Fleet.Domain.Models;

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

    internal TransformerWeights(ModelShape config, float*[] bases, IEnumerable<IDisposable> owners)
    {
        Config = config;
        _bases = bases;
        _owners = [.. owners];
    }

    public ModelShape Config { get; }

    /// <summary>Allocates zeroed, 64-byte aligned native storage for every tensor of <paramref name="config"/>.</summary>
    public static TransformerWeights Allocate(ModelShape config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var bases = new float*[WeightShapes.All.Count];
        var owners = new List<IDisposable>();
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && config.TiedEmbeddings)
            {
                continue;
            }

            var block = new NativeBlock(WeightShapes.TotalLength(config, kind));
            owners.Add(block);
            bases[(int)kind] = block.Pointer;
        }

        if (config.TiedEmbeddings)
        {
            bases[(int)WeightKind.Classifier] = bases[(int)WeightKind.TokenEmbedding];
        }

        return new TransformerWeights(config, bases, owners);
    }

    /// <summary>Bytes of all tensors (a shared classifier counted once).</summary>
    public long Bytes => WeightShapes.All
        .Where(k => !(k == WeightKind.Classifier && Config.TiedEmbeddings))
        .Sum(k => WeightShapes.TotalLength(Config, k)) * sizeof(float);

    /// <summary>Whether every tensor starts on a 64-byte (cache-line, AVX-512 vector) boundary.</summary>
    public bool IsCacheLineAligned
    {
        get
        {
            foreach (var b in _bases)
            {
                if (((nint)b & 63) != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Copies every tensor into one 2 MiB-aligned native arena, each on a 64-byte boundary, advised to the kernel as
    /// huge-page backed. A llama2.c checkpoint's tensors start 28 bytes past a cache line (the header is seven int32s),
    /// so every SIMD load of a memory-mapped weight straddles two lines; the packed copy streams ~10 % faster on the
    /// CPU and walks far fewer TLB entries. The copy owns its memory; <paramref name="source"/> stays usable.
    /// </summary>
    public static TransformerWeights Pack(TransformerWeights source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var config = source.Config;
        var offsets = new long[WeightShapes.All.Count];
        long total = 0;
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && config.TiedEmbeddings)
            {
                continue;
            }

            offsets[(int)kind] = total;
            total += (WeightShapes.TotalLength(config, kind) + 15) & ~15L;
        }

        var arena = new HugeArena(Math.Max(total, 16) * sizeof(float));
        var bases = new float*[WeightShapes.All.Count];
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && config.TiedEmbeddings)
            {
                continue;
            }

            var length = WeightShapes.TotalLength(config, kind);
            var target = (float*)arena.Pointer + offsets[(int)kind];
            Buffer.MemoryCopy(source._bases[(int)kind], target, length * sizeof(float), length * sizeof(float));
            bases[(int)kind] = target;
        }

        if (config.TiedEmbeddings)
        {
            bases[(int)WeightKind.Classifier] = bases[(int)WeightKind.TokenEmbedding];
        }

        return new TransformerWeights(config, bases, [arena]);
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

    /// <summary>2 MiB-aligned native memory, advised as huge-page backed on Linux (a hint: THP "madvise" mode honours it).</summary>
    internal sealed class HugeArena : IDisposable
    {
        private const nuint HugePage = 2 * 1024 * 1024;
        private const int MadvHugePage = 14;

        public HugeArena(long bytes)
        {
            Length = ((nuint)bytes + HugePage - 1) & ~(HugePage - 1);
            Pointer = NativeMemory.AlignedAlloc(Length, HugePage);
            if (OperatingSystem.IsLinux())
            {
                try
                {
                    _ = Madvise(Pointer, Length, MadvHugePage);
                }
                catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
                {
                    // A C library under another name (musl): the arena is still aligned, just on small pages.
                }
            }
        }

        public void* Pointer { get; private set; }

        public nuint Length { get; }

        public void Dispose()
        {
            if (Pointer != null)
            {
                NativeMemory.AlignedFree(Pointer);
                Pointer = null;
            }
        }

        [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
        private static extern int Madvise(void* address, nuint length, int advice);
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
