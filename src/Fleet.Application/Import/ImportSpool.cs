using System.Buffers;
using System.Text;

namespace Fleet.Application.Import;

/// <summary>
/// The upload, streamed once into a temporary file (deleted on dispose) while its bytes are checked: the size limit,
/// no NUL bytes, strict UTF-8, a header line within <see cref="ImportOptions.MaxHeaderBytes"/> and no line with more
/// than <see cref="ImportOptions.MaxColumns"/> fields. Memory stays at a few buffers whatever the file holds, and a
/// hostile file is refused as soon as it shows itself, before CsvHelper sees it.
/// </summary>
internal sealed class ImportSpool : IAsyncDisposable
{
    /// <summary>CsvHelper refuses a single value longer than this (the longest column, notes, allows 2,000).</summary>
    public const int MaxFieldChars = 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;
    private readonly FileStream _file;

    private ImportSpool(FileStream file, string delimiter)
    {
        _file = file;
        Delimiter = delimiter;
    }

    /// <summary>The delimiter CsvHelper's detection finds in the header line (<see cref="CsvDelimiters"/>; comma when none).</summary>
    public string Delimiter { get; }

    /// <summary>Spools <paramref name="content"/>; null (with the reason in <paramref name="errors"/>) when the bytes are refused.</summary>
    public static async Task<ImportSpool?> CreateAsync(Stream content, ImportOptions options, ImportErrorList errors, CancellationToken ct)
    {
        var scanner = new Scanner(options, errors);
        if (content.CanSeek && content.Length - content.Position > options.MaxBytes)
        {
            scanner.TooLarge();
            return null;
        }

        var path = Path.Combine(Path.GetTempPath(), $"fleet-import-{Guid.NewGuid():N}.csv");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, ChunkBytes,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await content.ReadAsync(chunk.AsMemory(0, ChunkBytes), ct)) > 0)
            {
                if (!scanner.Accept(chunk.AsSpan(0, read)))
                {
                    await file.DisposeAsync();
                    return null;
                }

                await file.WriteAsync(chunk.AsMemory(0, read), ct);
            }

            if (!scanner.Finish())
            {
                await file.DisposeAsync();
                return null;
            }

            await file.FlushAsync(ct);
            file.Position = 0;
            return new ImportSpool(file, scanner.Delimiter);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The spooled text; a UTF-8 BOM is skipped (the bytes were checked already).</summary>
    public TextReader OpenText() =>
        new StreamReader(_file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true),
            detectEncodingFromByteOrderMarks: false, ChunkBytes, leaveOpen: true);

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    /// <summary>Checks the bytes chunk by chunk, keeping only counters: lines, fields, quote state, header size.</summary>
    private sealed class Scanner(ImportOptions options, ImportErrorList errors)
    {
        private static readonly byte[] s_bom = [0xEF, 0xBB, 0xBF];
        private readonly Decoder _utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        private long _offset;
        private int _bom;
        private int _line = 1;
        private bool _sawContent;
        private bool _inQuotes;
        private bool _headerStarted;
        private bool _headerDone;
        private int _headerBytes;
        private int _headerLine = 1;
        private readonly int[] _delimiterCounts = new int[CsvDelimiters.Candidates.Length];
        private readonly List<byte> _header = [];
        private byte _delimiter = (byte)',';
        private int _headerFields;
        private int _fields;
        private int _recordLine = 1;

        public string Delimiter { get; private set; } = CsvDelimiters.Candidates[0];

        /// <summary>False, with the error recorded, when this chunk shows the file must be refused.</summary>
        public bool Accept(ReadOnlySpan<byte> bytes)
        {
            if (_offset + bytes.Length > options.MaxBytes)
            {
                return TooLarge();
            }

            var nul = bytes.IndexOf((byte)0);
            if (nul >= 0)
            {
                return Fail(_line + bytes[..nul].Count((byte)'\n'),
                    "This is a binary file (it contains NUL bytes), not CSV text. UTF-16 files must be saved as UTF-8.");
            }

            try
            {
                _utf8.GetCharCount(bytes, flush: false);
            }
            catch (DecoderFallbackException ex)
            {
                var at = Math.Clamp(ex.Index, 0, bytes.Length - 1);
                var bad = ex.BytesUnknown is { Length: > 0 } unknown ? unknown[0] : bytes[at];
                return Fail(_line + bytes[..at].Count((byte)'\n'),
                    $"The file is not valid UTF-8 (byte 0x{bad:X2} at offset {_offset + at}). Save it as UTF-8 CSV.", $"0x{bad:X2}");
            }

            foreach (var b in bytes)
            {
                if (_offset < 3 && _bom == _offset && b == s_bom[_bom])
                {
                    _bom++;
                    _offset++;
                    continue;
                }

                _offset++;
                if (b == '\n')
                {
                    _line++;
                    if (!_inQuotes && !EndRecord())
                    {
                        return false;
                    }

                    continue;
                }

                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    _sawContent = true;
                }

                if (!_headerDone && !_headerStarted && b != '\r')
                {
                    _headerStarted = true;
                    _headerLine = _line;
                }

                if (_headerStarted && !_headerDone)
                {
                    if (++_headerBytes > options.MaxHeaderBytes)
                    {
                        return Fail(_headerLine,
                            $"The header line is longer than {options.MaxHeaderBytes:N0} bytes. A GPU CSV header names at most " +
                            $"{GpuCsvColumns.All.Count} columns: {string.Join(",", GpuCsvColumns.All)}.");
                    }

                    _header.Add(b);
                }

                if (b == '"')
                {
                    _inQuotes = !_inQuotes;
                }
                else if (!_inQuotes && !_headerDone && CandidateIndex(b) is >= 0 and var candidate)
                {
                    // Until the delimiter is known every candidate's count is capped, so a hostile header is refused early.
                    if (++_delimiterCounts[candidate] + 1 > options.MaxColumns)
                    {
                        return TooManyColumns();
                    }
                }
                else if (!_inQuotes && _headerDone && b == _delimiter && ++_fields + 1 > options.MaxColumns)
                {
                    return Fail(_recordLine,
                        $"This line has more than {options.MaxColumns} fields; the header has {_headerFields}.");
                }
            }

            return true;
        }

        /// <summary>After the last chunk: a truncated UTF-8 sequence, an empty file or a header without a newline.</summary>
        public bool Finish()
        {
            try
            {
                _utf8.GetCharCount([], flush: true);
            }
            catch (DecoderFallbackException)
            {
                return Fail(_line, "The file is not valid UTF-8 (it ends inside a character). Save it as UTF-8 CSV.");
            }

            if (!_sawContent)
            {
                return Fail(1, $"The file is empty. Expected a header line such as: {string.Join(",", GpuCsvColumns.All)}.");
            }

            return _headerDone || EndRecord();
        }

        private bool EndRecord()
        {
            if (_headerStarted && !_headerDone)
            {
                _headerDone = true;
                Delimiter = CsvDelimiters.Detect(Encoding.UTF8.GetString([.. _header]));
                _delimiter = (byte)Delimiter[0];
                _headerFields = _delimiterCounts[Array.IndexOf(CsvDelimiters.Candidates, Delimiter)] + 1;
            }

            _fields = 0;
            _recordLine = _line;
            return true;
        }

        private static int CandidateIndex(byte b) => b switch
        {
            (byte)',' => 0,
            (byte)';' => 1,
            (byte)'\t' => 2,
            (byte)'|' => 3,
            _ => -1,
        };

        public bool TooLarge() => Fail(1, $"The file is larger than the {options.MaxBytes / (1024 * 1024)} MiB import limit; split it.");

        private bool TooManyColumns() => Fail(_headerLine,
            $"The header has more than {options.MaxColumns} columns. A GPU CSV has at most {GpuCsvColumns.All.Count}: " +
            $"{string.Join(",", GpuCsvColumns.All)}.");

        private bool Fail(int line, string message, string? value = null)
        {
            errors.Add(line, "", value, message);
            return false;
        }
    }
}
