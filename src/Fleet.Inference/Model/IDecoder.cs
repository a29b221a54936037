namespace Fleet.Inference.Model;

/// <summary>A single-sequence transformer that turns (token, position) into next-token logits, keeping its own KV cache.</summary>
public interface IDecoder : IDisposable
{
    TransformerConfig Config { get; }

    /// <summary>Runs one position; the returned logits stay valid until the next call.</summary>
    Span<float> Forward(int token, int pos);
}
