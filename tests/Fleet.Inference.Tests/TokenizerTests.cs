using System.Globalization;
using System.Text;
using Fleet.Inference.Model;
using Fleet.Inference.Tokenization;

namespace Fleet.Inference.Tests;

public class TokenizerTests
{
    // 0..2 specials, 3..258 byte tokens, then: 259 " ", 260 "a", 261 "b", 262 "c", 263 "ab", 264 " a", 265 "bc", 266 "é".
    private static Llama2Tokenizer Hand()
    {
        var pieces = new List<string> { "<unk>", "\n<s>\n", "\n</s>\n" };
        pieces.AddRange(Enumerable.Range(0, 256).Select(b => string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>")));
        var vocab = pieces.Select(Encoding.UTF8.GetBytes).ToList();
        var scores = Enumerable.Repeat(0f, vocab.Count).ToList();
        void Add(string s, float score)
        {
            vocab.Add(Encoding.UTF8.GetBytes(s));
            scores.Add(score);
        }

        Add(" ", -100);
        Add("a", -100);
        Add("b", -100);
        Add("c", -100);
        Add("ab", -1);
        Add(" a", -2);
        Add("bc", 0.5f);
        Add("é", -100);
        return new Llama2Tokenizer(vocab, scores, 4);
    }

    [Fact]
    public void Encode_Abc_MergesBestScoreFirst()
    {
        // " abc" → [" ", a, b, c]; candidates " a"(-2), ab(-1), bc(0.5) → bc; then " a"(-2) → [" a", bc].
        Assert.Equal([1, 264, 265], Hand().Encode("abc", bos: true, eos: false));
    }

    [Fact]
    public void Encode_Ab_MergesAbBeforeSpaceA()
    {
        // [" ", a, b]: " a"(-2) vs ab(-1) → ab; " ab" is not a token.
        Assert.Equal([259, 263, 2], Hand().Encode("ab", bos: false, eos: true));
    }

    [Fact]
    public void Encode_Empty_IsBosAlone()
    {
        Assert.Equal([1], Hand().Encode(string.Empty, bos: true, eos: false));
    }

    [Fact]
    public void Encode_UnknownCodePoint_FallsBackToBytesPlusThree()
    {
        // "ü" is C3 BC in UTF-8 and not in the vocabulary; "é" (C3 A9) is.
        Assert.Equal([1, 259, 0xC3 + 3, 0xBC + 3, 266], Hand().Encode("üé", bos: true, eos: false));
    }

    [Fact]
    public void DecodePrintable_AfterBos_DropsLeadingSpace()
    {
        var t = Hand();
        Assert.Equal("a"u8.ToArray(), t.DecodePrintable(1, 264).ToArray());
        Assert.Equal(" a"u8.ToArray(), t.DecodePrintable(260, 264).ToArray());
    }

    [Fact]
    public void DecodePrintable_ByteTokens_AreRawBytesAndControlCodesAreDropped()
    {
        var t = Hand();
        Assert.Equal(new byte[] { 0x41 }, t.DecodePrintable(260, 0x41 + 3).ToArray());
        Assert.Equal(new byte[] { 0x0A }, t.DecodePrintable(260, 0x0A + 3).ToArray());
        Assert.Empty(t.DecodePrintable(260, 0x07 + 3).ToArray());
        Assert.Empty(t.DecodePrintable(260, 0xC3 + 3).ToArray());
    }

    [Fact]
    public void Load_WrittenFile_RoundTrips()
    {
        using var dir = new TempDir();
        var t = Hand();
        t.Write(dir.File("t.bin"));
        var loaded = Llama2Tokenizer.Load(dir.File("t.bin"), t.VocabSize);
        Assert.Equal(t.Encode("abcé b", true, true), loaded.Encode("abcé b", true, true));
        Assert.Equal(4, loaded.MaxTokenLength);
    }

    [Fact]
    public void Load_FewerTokensThanModel_SaysWhereItEnds()
    {
        using var dir = new TempDir();
        var t = Hand();
        t.Write(dir.File("t.bin"));
        var ex = Assert.Throws<ModelFormatException>(() => Llama2Tokenizer.Load(dir.File("t.bin"), t.VocabSize + 1));
        Assert.Contains($"token {t.VocabSize}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SyntheticTokenizer_Encode_RoundTripsTextThroughDecode()
    {
        var t = SyntheticTokenizer.Create(2000, new Random(5));
        var tokens = t.Encode("Once upon a time, the end.", bos: true, eos: false);
        Assert.True(tokens.Count < 27, "expected merges to shorten the sequence");
        Assert.Equal("Once upon a time, the end.", Encoding.UTF8.GetString(t.DecodeStream(tokens[0], tokens.Skip(1))));
    }
}
