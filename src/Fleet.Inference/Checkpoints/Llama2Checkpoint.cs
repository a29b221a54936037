using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>
/// Reads and writes llama2.c's legacy checkpoint format: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
/// vocab_size — negative when a separate classifier follows —, seq_len), then float32 tensors in a fixed order,
/// two unused RoPE tables, and the classifier when not shared. Reading memory-maps the file; nothing is copied.
/// </summary>
public static class Llama2Checkpoint
{
    /// <summary>Bytes of the int32 header.</summary>
    public const int HeaderBytes = 7 * sizeof(int);

    private static readonly string[] HeaderFields = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];

    /// <summary>Reads only the header (for validation and for sizing the tokenizer).</summary>
    public static ModelShape ReadConfig(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var length = FileLength(path);
        Span<byte> header = stackalloc byte[HeaderBytes];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (length < HeaderBytes)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: truncated header: {length} bytes, the seven int32 fields need {HeaderBytes} (field '{HeaderFields[Math.Min(length / 4, 6)]}' at offset {length / 4 * 4} is cut off)."));
            }

            stream.ReadExactly(header);
        }

        return ParseHeader(path, header);
    }

    /// <summary>Memory-maps the checkpoint and returns weights pointing into it; checks every tensor fits in the file.</summary>
    public static unsafe TransformerWeights Open(string path)
    {
        var config = ReadConfig(path);
        var fileLength = FileLength(path);
        var bases = new float*[WeightShapes.All.Count];
        var offsets = Layout(config, out var end);
        if (fileLength < end)
        {
            // Name the first tensor that does not fit.
            foreach (var (name, offset, bytes) in offsets)
            {
                if (offset + bytes > fileLength)
                {
                    throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: truncated: tensor '{name}' needs bytes {offset}..{offset + bytes} but the file has {fileLength} bytes (expected {end} for dim={config.Dim}, hidden_dim={config.HiddenDim}, n_layers={config.Layers}, n_heads={config.Heads}, n_kv_heads={config.KvHeads}, vocab_size={config.VocabSize}, seq_len={config.MaxContext}, {(config.TiedEmbeddings ? "shared" : "separate")} classifier)."));
                }
            }
        }

        var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = mmf.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var mapping = new Mapping(mmf, view);
            var basePtr = mapping.Pointer;
            foreach (var (name, offset, _) in offsets)
            {
                var kind = WeightShapes.All.FirstOrDefault(k => WeightShapes.LegacyName(k) == name, (WeightKind)(-1));
                if ((int)kind >= 0)
                {
                    bases[(int)kind] = (float*)(basePtr + offset);
                }
            }

            if (config.TiedEmbeddings)
            {
                bases[(int)WeightKind.Classifier] = bases[(int)WeightKind.TokenEmbedding];
            }

            return new TransformerWeights(config, bases, [mapping]);
        }
        catch
        {
            view?.Dispose();
            mmf.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="weights"/> in the legacy format (RoPE tables filled as llama2.c's exporter did).</summary>
    public static void Write(string path, TransformerWeights weights)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(weights);
        var c = weights.Config;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> header = stackalloc byte[HeaderBytes];
        int[] fields = [c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, c.TiedEmbeddings ? c.VocabSize : -c.VocabSize, c.MaxContext];
        for (var i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[(i * 4)..], fields[i]);
        }

        stream.Write(header);
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier)
            {
                continue;
            }

            var layers = WeightShapes.IsPerLayer(kind) ? c.Layers : 1;
            for (var l = 0; l < layers; l++)
            {
                WriteFloats(stream, weights.Get(kind, l));
            }
        }

        var half = c.HeadDim / 2;
        var real = new float[c.MaxContext * half];
        var imag = new float[c.MaxContext * half];
        for (var p = 0; p < c.MaxContext; p++)
        {
            for (var j = 0; j < half; j++)
            {
                var angle = p / MathF.Pow(c.RopeTheta, 2f * j / c.HeadDim);
                real[(p * half) + j] = MathF.Cos(angle);
                imag[(p * half) + j] = MathF.Sin(angle);
            }
        }

        WriteFloats(stream, real);
        WriteFloats(stream, imag);
        if (!c.TiedEmbeddings)
        {
            WriteFloats(stream, weights.Get(WeightKind.Classifier));
        }
    }

    /// <summary>Each section of the file after the header: name, byte offset, byte length.</summary>
    internal static List<(string Name, long Offset, long Bytes)> Layout(ModelShape c, out long end)
    {
        var list = new List<(string, long, long)>();
        long offset = HeaderBytes;
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier)
            {
                continue;
            }

            var bytes = WeightShapes.TotalLength(c, kind) * sizeof(float);
            list.Add((WeightShapes.LegacyName(kind), offset, bytes));
            offset += bytes;
        }

        var rope = (long)c.MaxContext * c.HeadDim / 2 * sizeof(float);
        list.Add(("freq_cis_real", offset, rope));
        offset += rope;
        list.Add(("freq_cis_imag", offset, rope));
        offset += rope;
        if (!c.TiedEmbeddings)
        {
            var bytes = WeightShapes.TotalLength(c, WeightKind.Classifier) * sizeof(float);
            list.Add((WeightShapes.LegacyName(WeightKind.Classifier), offset, bytes));
            offset += bytes;
        }

        end = offset;
        return list;
    }

    private static ModelShape ParseHeader(string path, ReadOnlySpan<byte> header)
    {
        var f = new int[7];
        for (var i = 0; i < 7; i++)
        {
            f[i] = BinaryPrimitives.ReadInt32LittleEndian(header[(i * 4)..]);
        }

        for (var i = 0; i < 7; i++)
        {
            if (i == 5)
            {
                if (f[i] == 0 || f[i] == int.MinValue)
                {
                    throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: header field 'vocab_size' (offset {i * 4}) is {f[i]}; expected a non-zero size (negative means a separate classifier)."));
                }

                continue;
            }

            if (f[i] <= 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: header field '{HeaderFields[i]}' (offset {i * 4}) must be positive, got {f[i]}."));
            }
        }

        var config = ModelShape.Of(f[0], f[1], f[2], f[3], f[4], Math.Abs(f[5]), f[6], f[5] > 0);
        ShapeChecks.Validate(config, path);
        return config;
    }

    private static long FileLength(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ModelFormatException($"{path}: checkpoint file not found.");
        }

        return info.Length;
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
            return;
        }

        throw new PlatformNotSupportedException("llama2.c checkpoints are little-endian.");
    }

    private sealed unsafe class Mapping : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private bool _released;

        public Mapping(MemoryMappedFile file, MemoryMappedViewAccessor view)
        {
            _file = file;
            _view = view;
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = p + view.PointerOffset;
        }

        public byte* Pointer { get; }

        public void Dispose()
        {
            if (_released)
            {
                return;
            }

            _released = true;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
