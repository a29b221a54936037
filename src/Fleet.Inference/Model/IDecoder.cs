using Fleet.Domain.Models;

namespace Fleet.Inference.Model;

/// <summary>A single-sequence transformer that turns (token, position) into next-token logits, keeping its own KV cache.</summary>
public interface IDecoder : IDisposable
{
    ModelShape Config { get; }

    /// <summary>Runs one position; the returned logits stay valid until the next call.</summary>
    Span<float> Forward(int token, int pos);

    /// <summary>
    /// Runs one position of a known prompt: fills the KV cache like <see cref="Forward"/>, but the next token is already
    /// known, so an engine may skip the final norm and classifier (a llama2.c-shaped model spends most of a step there).
    /// </summary>
    void Prefill(int token, int pos) => Forward(token, pos);
}
