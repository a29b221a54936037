using Fleet.Domain.Models;

namespace Fleet.Inference.Model;

/// <summary>One sequence's own KV cache inside a batch engine; disposing it frees the cache at once.</summary>
public abstract class KvSequence : IDisposable
{
    /// <summary>Positions the cache holds (the sequence's prompt plus output at most).</summary>
    public abstract int Capacity { get; }

    /// <summary>Bytes of KV cache this sequence holds.</summary>
    public abstract long Bytes { get; }

    /// <summary>Whether <see cref="Dispose()"/> has freed the cache.</summary>
    public abstract bool IsDisposed { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}

/// <summary>One row of a batched step: a token of one sequence at one position, and whether its logits are wanted.</summary>
public readonly record struct BatchRow(KvSequence Sequence, int Token, int Position, bool WantLogits);

/// <summary>
/// A transformer that runs many sequences in one step (continuous batching): each sequence keeps its own KV cache,
/// the weights are read once per step for all rows. Rows of one sequence must be consecutive positions in order, the
/// positions before them already in its cache (a prefill chunk is several rows of one sequence; a decode is one row).
/// </summary>
public interface IBatchDecoder : IDisposable
{
    ModelShape Config { get; }

    /// <summary>KV-cache bytes per token of one sequence.</summary>
    long KvBytesPerToken { get; }

    /// <summary>Opens a sequence whose KV cache holds <paramref name="capacity"/> positions.</summary>
    KvSequence Open(int capacity);

    /// <summary>Runs every row; afterwards <see cref="Logits"/> holds the logits of the rows that wanted them, in order.</summary>
    void Step(ReadOnlySpan<BatchRow> rows);

    /// <summary>Logits of the <paramref name="index"/>-th row (counting only rows that wanted logits) of the last step.</summary>
    Span<float> Logits(int index);
}
