using System.Collections.Concurrent;
using Fleet.Domain.Serving;
using Fleet.Inference.Model;
using Fleet.Inference.Tokenization;

namespace Fleet.Inference.Serving;

/// <summary>
/// Continuous batching over a <see cref="IBatchDecoder"/>, by the rules of <see cref="BatchingPolicy"/> (the ones the
/// simulator models): FIFO admission under the batch and KV-cache budget, prompts prefilled whole (decodes wait) or in
/// chunks beside the decodes, one token per running sequence per step, a sequence leaving (and its KV cache freed) the
/// step it finishes or the step after its client cancels. One thread runs the steps; <see cref="Submit"/> is thread-safe.
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    private readonly IBatchDecoder _engine;
    private readonly BatchingPolicy _policy;
    private readonly long _kvCapacity;
    private readonly int _maxQueue;
    private readonly int _maxContext;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<ServeSequence> _incoming = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<ServeSequence> _waiting = [];
    private readonly List<ServeSequence> _running = [];
    private readonly List<BatchRow> _rows = [];
    private readonly List<(ServeSequence Sequence, int Take, bool Last)> _plan = [];
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _nextId;
    private int _queued;
    private long _kvUsed;

    /// <param name="engine">The batch engine; not owned.</param>
    /// <param name="policy">Admission and step rules.</param>
    /// <param name="kvCapacityTokens">KV-cache tokens the running sequences may reserve together.</param>
    /// <param name="maxQueue">Requests that may wait for admission; one more is refused with <see cref="QueueFullException"/>.</param>
    /// <param name="maxContext">Longest prompt + output of one request (default and at most the model's context).</param>
    public ContinuousBatcher(
        IBatchDecoder engine, BatchingPolicy policy, long kvCapacityTokens, int maxQueue, TimeProvider time, ServingMetrics? metrics = null, int? maxContext = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(time);
        policy.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(kvCapacityTokens, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueue);
        _engine = engine;
        _policy = policy;
        _kvCapacity = kvCapacityTokens;
        _maxQueue = maxQueue;
        _time = time;
        _maxContext = Math.Min(maxContext ?? engine.Config.MaxContext, engine.Config.MaxContext);
        Metrics = metrics ?? new ServingMetrics();
        Metrics.SetCapacity(kvCapacityTokens);
    }

    public ServingMetrics Metrics { get; }

    public BatchingPolicy Policy => _policy;

    /// <summary>KV-cache tokens the running sequences may reserve together.</summary>
    public long KvCapacityTokens => _kvCapacity;

    /// <summary>Longest prompt + output a request may ask for: the model's context and the KV budget.</summary>
    public long MaxRequestTokens => Math.Min(_maxContext, _kvCapacity);

    /// <summary>Starts the stepping thread.</summary>
    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("The batcher is already running.");
        }

        _thread = new Thread(Loop) { IsBackground = true, Name = "fleet-serve-batcher" };
        _thread.Start();
    }

    /// <summary>
    /// Queues a request. Throws <see cref="ArgumentException"/> when it can never run (tokens out of the vocabulary,
    /// prompt plus output beyond <see cref="MaxRequestTokens"/>) and <see cref="QueueFullException"/> when the queue is full.
    /// Cancelling <paramref name="cancellationToken"/> takes the sequence out of the batch and frees its KV cache.
    /// </summary>
    public ServeSequence Submit(ServeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var vocab = _engine.Config.VocabSize;
        if (request.PromptTokens.Count == 0)
        {
            throw new ArgumentException("The prompt must hold at least one token.", nameof(request));
        }

        foreach (var t in request.PromptTokens)
        {
            if ((uint)t >= (uint)vocab)
            {
                throw new ArgumentException($"Prompt token {t} is outside the vocabulary [0, {vocab}).", nameof(request));
            }
        }

        if (request.MaxTokens < 1)
        {
            throw new ArgumentException($"max_tokens must be at least 1, got {request.MaxTokens}.", nameof(request));
        }

        var need = BatchingPolicy.KvReservation(request.PromptTokens.Count, request.MaxTokens);
        if (need > MaxRequestTokens)
        {
            throw new ArgumentException(
                $"The prompt ({request.PromptTokens.Count} tokens) plus max_tokens ({request.MaxTokens}) is {need} tokens; this server holds at most {MaxRequestTokens} per request.",
                nameof(request));
        }

        if (Interlocked.Increment(ref _queued) > _maxQueue)
        {
            Interlocked.Decrement(ref _queued);
            Metrics.Rejected("queue_full");
            throw new QueueFullException(_maxQueue);
        }

        var sequence = new ServeSequence(Interlocked.Increment(ref _nextId), request, _time.GetTimestamp(), cancellationToken);
        sequence.Reservation = need;
        Metrics.Accepted(request.PromptTokens.Count);
        _incoming.Enqueue(sequence);
        _signal.Release();
        return sequence;
    }

    /// <summary>
    /// One scheduling round: takes in new requests, drops cancelled ones, admits by the policy and runs one engine step.
    /// Returns false when there was nothing to run. The stepping thread calls it; tests may call it directly instead of
    /// <see cref="Start"/> to place arrivals between exact steps.
    /// </summary>
    public bool StepOnce()
    {
        while (_incoming.TryDequeue(out var s))
        {
            _waiting.Add(s);
        }

        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            if (_waiting[i].CancellationToken.IsCancellationRequested || _stop.IsCancellationRequested)
            {
                var s = _waiting[i];
                _waiting.RemoveAt(i);
                Interlocked.Decrement(ref _queued);
                Metrics.DroppedWhileWaiting();
                s.Complete(FinishReason.Cancelled);
            }
        }

        for (var i = _running.Count - 1; i >= 0; i--)
        {
            if (_running[i].CancellationToken.IsCancellationRequested || _stop.IsCancellationRequested)
            {
                Leave(i, FinishReason.Cancelled);
            }
        }

        Admit();
        if (!Plan())
        {
            return false;
        }

        var started = _time.GetTimestamp();
        _engine.Step(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rows));
        var now = _time.GetTimestamp();
        Metrics.Step(_plan.Count, _time.GetElapsedTime(started, now).TotalSeconds);
        var logits = 0;
        foreach (var (s, take, last) in _plan)
        {
            if (s.Decoding || last)
            {
                s.Decoding = true;
                s.Prefilled += take;
                Produce(s, s.Sampler.Sample(_engine.Logits(logits++)), now);
            }
            else
            {
                s.Prefilled += take;
            }
        }

        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var s = _running[i];
            if (s.Generated >= s.Request.MaxTokens)
            {
                Leave(i, FinishReason.Length);
            }
            else if (s.LastToken < 0)
            {
                Leave(i, FinishReason.Stop);
            }
        }

        return true;
    }

    private void Admit()
    {
        while (_waiting.Count > 0)
        {
            var head = _waiting[0];
            if (!_policy.CanAdmit(_running.Count, _kvUsed, head.Reservation, _kvCapacity))
            {
                return;
            }

            _waiting.RemoveAt(0);
            Interlocked.Decrement(ref _queued);
            head.Kv = _engine.Open(checked((int)head.Reservation));
            _kvUsed += head.Reservation;
            Metrics.Admitted(head.Reservation);
            _running.Add(head);
        }
    }

    /// <summary>Chooses the rows of the next step: the policy's prefill budget in FIFO order, decodes when it allows.</summary>
    private bool Plan()
    {
        _rows.Clear();
        _plan.Clear();
        var decoding = 0;
        var prefilling = 0;
        foreach (var s in _running)
        {
            if (s.Decoding)
            {
                decoding++;
            }
            else
            {
                prefilling++;
            }
        }

        if (prefilling == 0 || _policy.DecodesDuringPrefill)
        {
            foreach (var s in _running)
            {
                if (s.Decoding)
                {
                    _rows.Add(new BatchRow(s.Kv!, s.LastToken, s.Request.PromptTokens.Count + s.Generated - 1, true));
                    _plan.Add((s, 0, false));
                }
            }
        }

        if (prefilling > 0)
        {
            var budget = _policy.PrefillBudget(decoding);
            foreach (var s in _running)
            {
                if (budget <= 0)
                {
                    break;
                }

                if (s.Decoding)
                {
                    continue;
                }

                var prompt = s.Request.PromptTokens;
                var take = (int)Math.Min(budget, prompt.Count - s.Prefilled);
                var last = s.Prefilled + take == prompt.Count;
                for (var p = s.Prefilled; p < s.Prefilled + take; p++)
                {
                    _rows.Add(new BatchRow(s.Kv!, prompt[p], p, last && p == prompt.Count - 1));
                }

                _plan.Add((s, take, last));
                budget -= take;
            }
        }

        return _rows.Count > 0;
    }

    private void Produce(ServeSequence s, int token, long now)
    {
        double? ttft = null, itl = null;
        if (s.Generated == 0)
        {
            ttft = _time.GetElapsedTime(s.Arrival, now).TotalSeconds;
        }
        else
        {
            itl = _time.GetElapsedTime(s.LastTokenAt, now).TotalSeconds;
        }

        s.LastTokenAt = now;
        s.Generated++;
        Metrics.Token(ttft, itl);
        var stop = !s.Request.IgnoreEos && token is Llama2Tokenizer.Eos or Llama2Tokenizer.Bos;
        s.Emit(new ServeToken(token, stop, stop || s.Generated >= s.Request.MaxTokens));
        s.LastToken = stop ? -1 : token;
    }

    private void Leave(int index, FinishReason reason)
    {
        var s = _running[index];
        _running.RemoveAt(index);
        s.Kv?.Dispose();
        s.Kv = null;
        _kvUsed -= s.Reservation;
        double? e2e = reason == FinishReason.Cancelled ? null : _time.GetElapsedTime(s.Arrival, s.LastTokenAt).TotalSeconds;
        Metrics.Left(reason, s.Reservation, e2e);
        s.Complete(reason);
    }

    private void Loop()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            bool worked;
            try
            {
                worked = StepOnce();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // An engine fault fails the sequences of that step, never the server.
                for (var i = _running.Count - 1; i >= 0; i--)
                {
                    var s = _running[i];
                    _running.RemoveAt(i);
                    s.Kv?.Dispose();
                    _kvUsed -= s.Reservation;
                    Metrics.Left(FinishReason.Cancelled, s.Reservation, null);
                    s.Fail(ex);
                }

                continue;
            }

            if (!worked)
            {
                try
                {
                    _signal.Wait(token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            else
            {
                // Consume wake-ups already served by this round.
                while (_signal.CurrentCount > 0 && _signal.Wait(0))
                {
                }
            }
        }

        StepOnce();
    }

    /// <summary>Stops the stepping thread; running and waiting sequences end as cancelled.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        if (_thread is not null)
        {
            _thread.Join();
        }
        else
        {
            StepOnce();
        }

        _stop.Dispose();
        _signal.Dispose();
    }
}
