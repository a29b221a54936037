using System.Threading.Channels;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;

namespace Fleet.Inference.Serving;

/// <summary>One completion request, already tokenized and validated by the caller.</summary>
/// <param name="PromptTokens">The prompt as token ids (at least one).</param>
/// <param name="MaxTokens">Tokens to generate at most (at least one).</param>
/// <param name="Temperature">0 = greedy.</param>
/// <param name="TopP">Nucleus threshold; ≤ 0 or ≥ 1 disables it.</param>
/// <param name="Seed">Sampler seed (non-zero when sampling).</param>
/// <param name="IgnoreEos">Keep generating past an end-of-sequence token, so the output length is exactly <paramref name="MaxTokens"/>.</param>
public sealed record ServeRequest(IReadOnlyList<int> PromptTokens, int MaxTokens, float Temperature = 0, float TopP = 1, ulong Seed = 1, bool IgnoreEos = false);

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>It produced an end-of-sequence token.</summary>
    Stop,
    /// <summary>It produced max_tokens tokens.</summary>
    Length,
    /// <summary>Its client went away (or the server stopped) before it finished.</summary>
    Cancelled,
}

/// <summary>A token as the batcher produced it.</summary>
/// <param name="IsStop">The end-of-sequence token that ended the sequence.</param>
/// <param name="IsLast">The sequence's last token (a stop token or the max_tokens-th).</param>
public readonly record struct ServeToken(int Token, bool IsStop, bool IsLast);

/// <summary>The batcher's answer to a request: its tokens as they are produced, then how it ended.</summary>
public sealed class ServeSequence
{
    private readonly Channel<ServeToken> _tokens = Channel.CreateUnbounded<ServeToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<FinishReason> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ServeSequence(long id, ServeRequest request, long arrival, CancellationToken cancellationToken)
    {
        Id = id;
        Request = request;
        Arrival = arrival;
        CancellationToken = cancellationToken;
        Sampler = new Sampler(request.Temperature, request.TopP, request.Seed);
    }

    /// <summary>Order of arrival at the batcher.</summary>
    public long Id { get; }

    public ServeRequest Request { get; }

    /// <summary>Tokens in order; completes when the sequence ends.</summary>
    public ChannelReader<ServeToken> Tokens => _tokens.Reader;

    /// <summary>Completes with the reason once the sequence has left the batch and its KV cache is freed.</summary>
    public Task<FinishReason> Finished => _finished.Task;

    /// <summary>Tokens generated so far.</summary>
    public int Generated { get; internal set; }

    internal CancellationToken CancellationToken { get; }

    internal Sampler Sampler { get; }

    internal long Arrival { get; }

    internal long LastTokenAt { get; set; }

    internal KvSequence? Kv { get; set; }

    internal long Reservation { get; set; }

    internal int Prefilled { get; set; }

    internal int LastToken { get; set; }

    internal bool Decoding { get; set; }

    internal void Emit(ServeToken token) => _tokens.Writer.TryWrite(token);

    internal void Complete(FinishReason reason)
    {
        _tokens.Writer.TryComplete();
        _finished.TrySetResult(reason);
    }

    internal void Fail(Exception error)
    {
        _tokens.Writer.TryComplete(error);
        _finished.TrySetException(error);
    }
}

/// <summary>Thrown by <see cref="ContinuousBatcher.Submit"/> when the waiting queue is full (HTTP 429).</summary>
public sealed class QueueFullException(int capacity)
    : Exception($"The server's queue is full ({capacity} requests waiting); retry later.")
{
    public int Capacity { get; } = capacity;
}
