using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tokenization;

/// <summary>
/// llama2.c's byte-pair tokenizer (tokenizer.bin: int32 max_token_length, then per token float32 score, int32 length, bytes).
/// Encode and decode follow run.c byte for byte: sorted-vocabulary lookup, the dummy-prefix space, UTF-8 code points with
/// byte fallback (+3), greedy merges by best score; decode strips the leading space after BOS and maps <c>&lt;0xHH&gt;</c> to raw bytes.
/// </summary>
public sealed class Llama2Tokenizer
{
    /// <summary>Beginning-of-sequence token id in the Llama 2 sentencepiece vocabulary.</summary>
    public const int Bos = 1;

    /// <summary>End-of-sequence token id.</summary>
    public const int Eos = 2;

    private readonly byte[][] _vocab;
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _lookup;

    public Llama2Tokenizer(IReadOnlyList<byte[]> vocab, IReadOnlyList<float> scores, int maxTokenLength)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(scores);
        if (vocab.Count != scores.Count)
        {
            throw new ArgumentException("Vocabulary and scores differ in length.", nameof(scores));
        }

        // C strings end at the first NUL: run.c's strcmp-based lookup sees only that prefix.
        _vocab = [.. vocab.Select(v => { var nul = Array.IndexOf(v, (byte)0); return nul < 0 ? v : v[..nul]; })];
        _scores = [.. scores];
        MaxTokenLength = maxTokenLength;
        _lookup = new Dictionary<string, int>(_vocab.Length, StringComparer.Ordinal);
        for (var i = 0; i < _vocab.Length; i++)
        {
            // run.c's bsearch over a sorted copy finds one of equal strings; the first id is the stable choice.
            _lookup.TryAdd(Key(_vocab[i]), i);
        }
    }

    public int VocabSize => _vocab.Length;

    public int MaxTokenLength { get; }

    /// <summary>The raw bytes of token <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> Piece(int id) => _vocab[id];

    public float Score(int id) => _scores[id];

    /// <summary>Loads the first <paramref name="vocabSize"/> tokens of a tokenizer.bin (run.c reads exactly the model's vocabulary size).</summary>
    public static Llama2Tokenizer Load(string path, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path}: tokenizer file not found.");
        }

        var data = File.ReadAllBytes(path);
        long offset = 0;
        int ReadInt(string what)
        {
            if (offset + 4 > data.Length)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: truncated at offset {offset}: expected {what}, the file has {data.Length} bytes (the model needs {vocabSize} tokens)."));
            }

            var v = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan((int)offset));
            offset += 4;
            return v;
        }

        var maxLen = ReadInt("int32 max_token_length");
        if (maxLen <= 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: max_token_length at offset 0 must be positive, got {maxLen}."));
        }

        var vocab = new byte[vocabSize][];
        var scores = new float[vocabSize];
        for (var i = 0; i < vocabSize; i++)
        {
            scores[i] = BitConverter.Int32BitsToSingle(ReadInt(string.Create(CultureInfo.InvariantCulture, $"float32 score of token {i}")));
            var lenOffset = offset;
            var len = ReadInt(string.Create(CultureInfo.InvariantCulture, $"int32 length of token {i}"));
            if (len < 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: token {i} has negative length {len} at offset {lenOffset}."));
            }

            if (offset + len > data.Length)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: truncated at offset {offset}: token {i} needs {len} bytes, the file has {data.Length} bytes."));
            }

            vocab[i] = data.AsSpan((int)offset, len).ToArray();
            offset += len;
        }

        return new Llama2Tokenizer(vocab, scores, maxLen);
    }

    /// <summary>Writes a tokenizer.bin (tests and the run.c comparison generate their own).</summary>
    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = new BinaryWriter(stream);
        writer.Write(MaxTokenLength);
        for (var i = 0; i < _vocab.Length; i++)
        {
            writer.Write(_scores[i]);
            writer.Write(_vocab[i].Length);
            writer.Write(_vocab[i]);
        }
    }

    /// <summary>Token id of an exact byte string, or -1 (run.c's str_lookup).</summary>
    public int Lookup(ReadOnlySpan<byte> piece) => _lookup.TryGetValue(Key(piece), out var id) ? id : -1;

    /// <summary>Encodes UTF-8 text as run.c's encode does, optionally with BOS first and EOS last.</summary>
    public List<int> Encode(string text, bool bos, bool eos)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(Encoding.UTF8.GetBytes(text), bos, eos);
    }

    /// <summary>Encodes raw bytes (text stops at the first NUL, as a C string does).</summary>
    public List<int> Encode(ReadOnlySpan<byte> text, bool bos, bool eos)
    {
        var nul = text.IndexOf((byte)0);
        if (nul >= 0)
        {
            text = text[..nul];
        }

        var tokens = new List<int>(text.Length + 3);
        if (bos)
        {
            tokens.Add(Bos);
        }

        if (text.Length > 0)
        {
            var dummy = Lookup(" "u8);
            if (dummy < 0)
            {
                throw new ModelFormatException("Tokenizer has no \" \" token, which run.c's encode needs for the dummy prefix.");
            }

            tokens.Add(dummy);
        }

        Span<byte> buffer = stackalloc byte[8];
        var len = 0;
        for (var c = 0; c < text.Length; c++)
        {
            if ((text[c] & 0xC0) != 0x80)
            {
                len = 0;
            }

            buffer[len++] = text[c];
            var next = c + 1 < text.Length ? text[c + 1] : (byte)0;
            if ((next & 0xC0) == 0x80 && len < 4)
            {
                continue;
            }

            var id = Lookup(buffer[..len]);
            if (id != -1)
            {
                tokens.Add(id);
            }
            else
            {
                for (var i = 0; i < len; i++)
                {
                    var fallback = buffer[i] + 3;
                    if (fallback >= _vocab.Length)
                    {
                        throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                            $"Tokenizer has {_vocab.Length} tokens; byte 0x{buffer[i]:X2} falls back to id {fallback}, which does not exist."));
                    }

                    tokens.Add(fallback);
                }
            }

            len = 0;
        }

        var merged = new byte[(2 * MaxTokenLength) + 8];
        while (true)
        {
            var bestScore = -1e10f;
            var bestId = -1;
            var bestIdx = -1;
            for (var i = 0; i < tokens.Count - 1; i++)
            {
                var a = _vocab[tokens[i]];
                var b = _vocab[tokens[i + 1]];
                if (merged.Length < a.Length + b.Length)
                {
                    merged = new byte[a.Length + b.Length];
                }

                a.CopyTo(merged, 0);
                b.CopyTo(merged, a.Length);
                var id = Lookup(merged.AsSpan(0, a.Length + b.Length));
                if (id != -1 && _scores[id] > bestScore)
                {
                    bestScore = _scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }

            if (bestIdx == -1)
            {
                break;
            }

            tokens[bestIdx] = bestId;
            tokens.RemoveAt(bestIdx + 1);
        }

        if (eos)
        {
            tokens.Add(Eos);
        }

        return tokens;
    }

    /// <summary>
    /// The bytes run.c prints for <paramref name="token"/> following <paramref name="previous"/>: decode plus safe_printf
    /// (leading space dropped after BOS, <c>&lt;0xHH&gt;</c> as one raw byte, lone unprintable bytes suppressed).
    /// </summary>
    public ReadOnlySpan<byte> DecodePrintable(int previous, int token)
    {
        ReadOnlySpan<byte> piece = _vocab[token];
        if (previous == Bos && piece.Length > 0 && piece[0] == (byte)' ')
        {
            piece = piece[1..];
        }

        if (TryParseByteToken(piece, out var value))
        {
            piece = ByteTable.AsSpan(value, 1);
        }

        if (piece.Length == 0)
        {
            return [];
        }

        if (piece.Length == 1 && !(IsPrint(piece[0]) || IsSpace(piece[0])))
        {
            return [];
        }

        return piece;
    }

    /// <summary>Compiles the decoding path (raw-byte pieces included) before a timed run; decodes nothing for anybody.</summary>
    public void Prepare()
    {
        for (var t = 0; t < Math.Min(_vocab.Length, 300); t++)
        {
            _ = DecodePrintable(Bos, t);
        }
    }

    /// <summary>Concatenated printable output of a token stream that starts after <paramref name="first"/> (run.c's loop).</summary>
    public byte[] DecodeStream(int first, IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var output = new List<byte>();
        var previous = first;
        foreach (var t in tokens)
        {
            output.AddRange(DecodePrintable(previous, t));
            previous = t;
        }

        return [.. output];
    }

    private static readonly byte[] ByteTable = CreateByteTable();

    private static byte[] CreateByteTable()
    {
        var table = new byte[256];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (byte)i;
        }

        return table;
    }

    /// <summary>sscanf(piece, "&lt;0x%02hhX&gt;") == 1: "&lt;0x" then one or two hex digits.</summary>
    internal static bool TryParseByteToken(ReadOnlySpan<byte> piece, out byte value)
    {
        value = 0;
        if (piece.Length < 4 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x')
        {
            return false;
        }

        var digits = 0;
        var v = 0;
        for (var i = 3; i < piece.Length && digits < 2; i++)
        {
            var h = HexValue(piece[i]);
            if (h < 0)
            {
                break;
            }

            v = (v * 16) + h;
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        value = (byte)v;
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool IsPrint(byte c) => c is >= 0x20 and <= 0x7E;

    private static bool IsSpace(byte c) => c is (>= 0x09 and <= 0x0D) or 0x20;

    private static string Key(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
