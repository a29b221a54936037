using System.Globalization;
using System.Text;

namespace Fleet.Inference.Tokenization;

/// <summary>
/// Builds a Llama-2-style vocabulary of any size (≥ 354) for random-weight models: &lt;unk&gt;, BOS, EOS, the 256
/// &lt;0xHH&gt; byte tokens, space and printable ASCII, then deterministic merges scored by rank as sentencepiece does.
/// </summary>
public static class SyntheticTokenizer
{
    /// <summary>The smallest vocabulary that holds the special, byte and single-character tokens.</summary>
    public const int MinimumVocabSize = 3 + 256 + 95;

    public static Llama2Tokenizer Create(int vocabSize, Random random, int maxTokenLength = 12)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, MinimumVocabSize);
        var pieces = new List<string> { "<unk>", "\n<s>\n", "\n</s>\n" };
        for (var b = 0; b < 256; b++)
        {
            pieces.Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"));
        }

        var singles = new List<string>();
        for (var c = 0x20; c <= 0x7E; c++)
        {
            singles.Add(((char)c).ToString());
        }

        pieces.AddRange(singles);
        var seen = new HashSet<string>(pieces, StringComparer.Ordinal);
        var scores = new List<float>(pieces.Select(_ => 0f));
        var words = new List<string>(singles);
        const string letters = " etaoinshrdlucmfwypvbgk";
        var merges = 0;
        while (pieces.Count < vocabSize)
        {
            // Favour frequent letters so prompts in English merge into longer pieces.
            var left = random.Next(4) == 0 ? words[random.Next(words.Count)] : letters[random.Next(letters.Length)].ToString();
            var right = words[random.Next(words.Count)];
            var piece = left + right;
            if (piece.Length > maxTokenLength || !seen.Add(piece))
            {
                continue;
            }

            pieces.Add(piece);
            scores.Add(-merges++);
            words.Add(piece);
        }

        return new Llama2Tokenizer([.. pieces.Select(Encoding.Latin1.GetBytes)], scores, maxTokenLength);
    }
}
