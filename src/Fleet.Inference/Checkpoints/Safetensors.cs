using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafetensorInfo(string Name, string Dtype, IReadOnlyList<long> Shape, long Begin, long End);

/// <summary>
/// A memory-mapped .safetensors file: 8-byte little-endian header length, a JSON header of
/// name → {dtype, shape, data_offsets}, then the data. Converts F32/F16/BF16 tensors to float32.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _data;
    private readonly long _dataLength;

    private SafetensorsFile(string path, Dictionary<string, SafetensorInfo> tensors, MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* data, long dataLength)
    {
        Path = path;
        Tensors = tensors;
        _file = file;
        _view = view;
        _data = data;
        _dataLength = dataLength;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafetensorInfo> Tensors { get; }

    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ModelFormatException($"{path}: safetensors file not found.");
        }

        if (info.Length < 8)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: truncated: {info.Length} bytes, the header length alone needs 8."));
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        using (var s = File.OpenRead(path))
        {
            s.ReadExactly(lengthBytes);
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(info.Length - 8) || headerLength > 100_000_000)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: header length {headerLength} at offset 0 runs past the end of the {info.Length}-byte file."));
        }

        var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = mmf.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        try
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            var header = Encoding.UTF8.GetString(p + 8, (int)headerLength);
            var tensors = ParseHeader(path, header, info.Length - 8 - (long)headerLength);
            return new SafetensorsFile(path, tensors, mmf, view, p + 8 + (long)headerLength, info.Length - 8 - (long)headerLength);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            mmf.Dispose();
            throw;
        }
    }

    /// <summary>Converts a tensor to float32 into <paramref name="destination"/> (which must have its element count).</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var t = Tensors[name];
        var count = t.Shape.Aggregate(1L, (a, b) => a * b);
        if (count != destination.Length)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{Path}: tensor '{name}' has {count} elements, expected {destination.Length}."));
        }

        var src = new ReadOnlySpan<byte>(_data + t.Begin, checked((int)(t.End - t.Begin)));
        switch (t.Dtype)
        {
            case "F32":
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
                }

                break;
            case "F16":
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(i * 2)..]);
                }

                break;
            case "BF16":
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]) << 16);
                }

                break;
            default:
                throw new ModelFormatException($"{Path}: tensor '{name}' has dtype {t.Dtype}; supported are F32, F16 and BF16.");
        }
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }

    internal static int DtypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    private static Dictionary<string, SafetensorInfo> ParseHeader(string path, string header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path}: the JSON header is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: the JSON header must be an object.");
            }

            var result = new Dictionary<string, SafetensorInfo>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    continue;
                }

                try
                {
                    var dtype = prop.Value.GetProperty("dtype").GetString() ?? string.Empty;
                    var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    {
                        throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                            $"{path}: tensor '{prop.Name}' data_offsets [{string.Join(", ", offsets)}] fall outside the {dataLength} data bytes (file truncated?)."));
                    }

                    var size = DtypeSize(dtype);
                    var count = shape.Aggregate(1L, (a, b) => a * b);
                    if (size > 0 && count * size != offsets[1] - offsets[0])
                    {
                        throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                            $"{path}: tensor '{prop.Name}' is {dtype} [{string.Join(", ", shape)}] = {count * size} bytes but its data_offsets span {offsets[1] - offsets[0]}."));
                    }

                    result[prop.Name] = new SafetensorInfo(prop.Name, dtype, shape, offsets[0], offsets[1]);
                }
                catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new ModelFormatException($"{path}: header entry '{prop.Name}' lacks a valid dtype, shape or data_offsets.", ex);
                }
            }

            return result;
        }
    }
}
