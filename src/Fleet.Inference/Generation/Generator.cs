using Fleet.Inference.Model;
using Fleet.Inference.Sampling;
using Fleet.Inference.Tokenization;

namespace Fleet.Inference.Generation;

/// <summary>What one generation produced.</summary>
/// <param name="PromptTokens">The encoded prompt, BOS first.</param>
/// <param name="Tokens">Every token after the first, forced prompt tokens included (run.c's "next" values, BOS excluded).</param>
/// <param name="Text">The bytes run.c would print (without its final newline).</param>
/// <param name="Positions">Positions forwarded (run.c's final pos).</param>
/// <param name="TokensPerSecond">run.c's figure: (pos − 1) over the time since the first step finished; null if pos ≤ 1.</param>
public sealed record GenerationResult(
    IReadOnlyList<int> PromptTokens, IReadOnlyList<int> Tokens, byte[] Text, int Positions, double? TokensPerSecond);

/// <summary>run.c's generate loop: forward, force prompt tokens, sample, stop at BOS or after <c>steps</c> positions.</summary>
public static class Generator
{
    /// <param name="decoder">Any engine (CPU or GPU).</param>
    /// <param name="steps">Positions to run; 0 or more than seq_len means seq_len (run.c's rule).</param>
    /// <param name="onPiece">Receives each printable piece as it is produced (the CLI streams them to stdout).</param>
    public static GenerationResult Generate(
        IDecoder decoder, Llama2Tokenizer tokenizer, Sampler sampler, string prompt, int steps,
        TimeProvider time, Action<ReadOnlyMemory<byte>>? onPiece = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var seqLen = decoder.Config.MaxContext;
        if (steps == 0 || steps > seqLen)
        {
            steps = seqLen;
        }

        // The clock starts after the first step, as run.c's; compile the per-token paths before it, not inside it.
        sampler.Prepare();
        tokenizer.Prepare();
        var promptTokens = tokenizer.Encode(prompt ?? string.Empty, bos: true, eos: false);
        var tokens = new List<int>();
        var text = new List<byte>();
        long start = 0;
        var token = promptTokens[0];
        var pos = 0;
        while (pos < steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int next;
            if (pos < promptTokens.Count - 1)
            {
                // A forced prompt token: run.c computes (and ignores) the logits here; only the KV cache is needed.
                decoder.Prefill(token, pos);
                next = promptTokens[pos + 1];
            }
            else
            {
                next = sampler.Sample(decoder.Forward(token, pos));
            }

            pos++;
            if (next == Llama2Tokenizer.Bos)
            {
                break;
            }

            tokens.Add(next);
            var piece = tokenizer.DecodePrintable(token, next);
            if (piece.Length > 0)
            {
                var bytes = piece.ToArray();
                text.AddRange(bytes);
                onPiece?.Invoke(bytes);
            }

            token = next;
            if (start == 0)
            {
                start = time.GetTimestamp();
            }
        }

        double? rate = null;
        if (pos > 1)
        {
            var seconds = time.GetElapsedTime(start).TotalSeconds;
            rate = seconds > 0 ? (pos - 1) / seconds : null;
        }

        return new GenerationResult(promptTokens, tokens, [.. text], pos, rate);
    }
}
