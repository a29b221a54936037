namespace Fleet.Domain.Serving;

/// <summary>
/// Continuous-batching admission and step budget, written once: the simulator (Fleet.Planning) models it and
/// <c>fleet infer serve</c> (Fleet.Inference) runs it, so a prediction and a measurement follow the same rules.
/// <list type="number">
/// <item>At each step start, requests are admitted from the queue in FIFO order while fewer than <see cref="MaxBatch"/>
/// are admitted (prefilling plus decoding) and the head's <see cref="KvReservation"/> fits the free KV cache; a head
/// that does not fit blocks the queue behind it (no preemption, no skipping).</item>
/// <item>KV is reserved for the whole request (prompt + output tokens) at admission and freed when it leaves.</item>
/// <item>Without chunked prefill, a step with prefilling requests prefills all their prompts whole and the running
/// decodes wait; with <see cref="ChunkedPrefillTokens"/> = C, every step decodes each running sequence once and spends
/// <see cref="PrefillBudget"/> (C minus the decodes) on prompt chunks in FIFO order.</item>
/// <item>A prompt's last prefill token emits the request's first token; each decode step emits one token per running
/// sequence; a request leaves as soon as it has produced its output.</item>
/// </list>
/// </summary>
/// <param name="MaxBatch">Most requests admitted at once (vLLM's max_num_seqs).</param>
/// <param name="ChunkedPrefillTokens">Token budget per step with chunked prefill; 0 = off.</param>
public sealed record BatchingPolicy(int MaxBatch, int ChunkedPrefillTokens = 0)
{
    /// <summary>Throws when the batch size is below 1 or the chunk budget negative.</summary>
    public void Validate()
    {
        if (MaxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "The batch must admit at least one request.");
        }

        if (ChunkedPrefillTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkedPrefillTokens), ChunkedPrefillTokens, "The chunked-prefill budget must be 0 (off) or positive.");
        }
    }

    /// <summary>Whether prompts are prefilled in chunks alongside the running decodes.</summary>
    public bool Chunked => ChunkedPrefillTokens > 0;

    /// <summary>KV-cache tokens a request holds from admission until it leaves: its whole prompt and output.</summary>
    public static long KvReservation(long promptTokens, long outputTokens) => promptTokens + outputTokens;

    /// <summary>Whether the queue's head may join a batch that has <paramref name="admitted"/> requests and
    /// <paramref name="kvUsed"/> of <paramref name="kvCapacity"/> KV tokens reserved.</summary>
    public bool CanAdmit(long admitted, long kvUsed, long reservation, long kvCapacity) =>
        admitted < MaxBatch && kvUsed + reservation <= kvCapacity;

    /// <summary>Whether a batch that has <paramref name="admitted"/> requests is full whatever the queue holds.</summary>
    public bool IsFull(long admitted) => admitted >= MaxBatch;

    /// <summary>
    /// Prompt tokens a step may prefill: with chunking, the budget left after one decode per running sequence;
    /// without, every pending prompt token (and that step decodes nothing).
    /// </summary>
    public long PrefillBudget(long decoding) => Chunked ? Math.Max(0, ChunkedPrefillTokens - decoding) : long.MaxValue;

    /// <summary>Whether a step that prefills also decodes the running sequences (only with chunked prefill).</summary>
    public bool DecodesDuringPrefill => Chunked;
}
