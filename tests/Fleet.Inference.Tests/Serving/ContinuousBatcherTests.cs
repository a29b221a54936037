using Fleet.Domain.Models;
using Fleet.Domain.Serving;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;
using Fleet.Inference.Serving;

namespace Fleet.Inference.Tests.Serving;

public sealed class ContinuousBatcherTests : IDisposable
{
    private static readonly ModelShape s_config = ModelShape.Of(64, 160, 2, 4, 2, 400, 64, true);
    private readonly TransformerWeights _weights = SyntheticWeights.Create(s_config, new Random(3));

    public void Dispose() => _weights.Dispose();

    private static ServeRequest Greedy(int seed, int promptLength, int maxTokens, bool ignoreEos = true)
    {
        var random = new Random(seed);
        var prompt = new List<int> { 1 };
        for (var i = 1; i < promptLength; i++)
        {
            prompt.Add(random.Next(3, s_config.VocabSize));
        }

        return new ServeRequest(prompt, maxTokens, IgnoreEos: ignoreEos);
    }

    private static List<int> Drain(ServeSequence s)
    {
        var tokens = new List<int>();
        while (s.Tokens.TryRead(out var t))
        {
            tokens.Add(t.Token);
        }

        return tokens;
    }

    private List<int> Alone(ServeRequest request)
    {
        using var engine = new CpuBatchTransformer(_weights, threads: 1);
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(1), 1000, 10, TimeProvider.System);
        var s = batcher.Submit(request);
        while (batcher.StepOnce())
        {
        }

        Assert.True(s.Finished.IsCompleted);
        return Drain(s);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(16)]
    public void StepOnce_GreedySequencesJoiningAndLeavingMidBatch_SameTokensAsAlone(int chunk)
    {
        ServeRequest[] requests =
        [
            Greedy(1, 9, 6),   // leaves early, while the others run
            Greedy(2, 3, 20),
            Greedy(3, 14, 12), // joins after two steps
            Greedy(4, 6, 9),   // joins after six, into the slot the first one left
            Greedy(5, 5, 25, ignoreEos: false),
        ];
        var alone = requests.Select(Alone).ToArray();

        using var engine = new CpuBatchTransformer(_weights, threads: 2);
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(3, chunk), 1000, 10, TimeProvider.System);
        var seqs = new ServeSequence?[requests.Length];
        seqs[0] = batcher.Submit(requests[0]);
        seqs[1] = batcher.Submit(requests[1]);
        var steps = 0;
        var sizes = new List<long>();
        while (batcher.StepOnce() || seqs.Any(s => s is null))
        {
            steps++;
            sizes.Add(batcher.Metrics.Running);
            if (steps == 2)
            {
                seqs[2] = batcher.Submit(requests[2]);
            }

            if (steps == 6)
            {
                seqs[3] = batcher.Submit(requests[3]);
                seqs[4] = batcher.Submit(requests[4]);
            }
        }

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.True(seqs[i]!.Finished.IsCompleted, $"request {i} did not finish");
            Assert.Equal(alone[i], Drain(seqs[i]!));
        }

        Assert.Equal(requests[0].MaxTokens, alone[0].Count);
        Assert.Contains(3L, sizes); // the batch really held three sequences at once
        Assert.Equal(0, batcher.Metrics.KvTokensUsed);
        Assert.Equal(requests.Length, batcher.Metrics.KvFreed);
    }

    [Fact]
    public void StepOnce_HeadDoesNotFitTheKvBudget_BlocksTheQueueBehindIt()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(8), kvCapacityTokens: 20, maxQueue: 10, TimeProvider.System);
        var a = batcher.Submit(new ServeRequest([1, 5, 6, 7, 8], 10, IgnoreEos: true));   // 15 tokens: fits
        var b = batcher.Submit(new ServeRequest([1, 5, 6, 7, 8, 9, 9], 3, IgnoreEos: true)); // 10: does not fit beside a
        var c = batcher.Submit(new ServeRequest([1], 2, IgnoreEos: true));                 // 3 would fit, but FIFO: waits behind b
        batcher.StepOnce();
        Assert.Equal(1, batcher.Metrics.Running);
        Assert.Equal(2, batcher.Metrics.Waiting);
        Assert.Equal(15, batcher.Metrics.KvTokensUsed);
        while (!a.Finished.IsCompleted)
        {
            batcher.StepOnce();
        }

        batcher.StepOnce();
        Assert.Equal(2, batcher.Metrics.Running);
        Assert.Equal(13, batcher.Metrics.KvTokensUsed);
        Assert.False(b.Finished.IsCompleted || c.Finished.IsCompleted);
    }

    [Fact]
    public void StepOnce_MaxBatchReached_LaterArrivalsWait()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(2), 1000, 10, TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            batcher.Submit(new ServeRequest([1, 4], 5, IgnoreEos: true));
        }

        batcher.StepOnce();
        Assert.Equal(2, batcher.Metrics.Running);
        Assert.Equal(1, batcher.Metrics.Waiting);
    }

    [Fact]
    public void StepOnce_WithoutChunking_PrefillStepPausesDecodes()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4), 1000, 10, TimeProvider.System);
        batcher.Submit(new ServeRequest([1, 4, 4], 5, IgnoreEos: true));
        batcher.StepOnce(); // prefill of the first: 3 rows
        batcher.StepOnce(); // its first decode
        batcher.Submit(new ServeRequest([1, 4, 4, 4, 4, 4], 5, IgnoreEos: true));
        batcher.StepOnce(); // the newcomer's whole prompt alone: the decode waits
        batcher.StepOnce(); // both decode
        Assert.Equal([3, 1, 6, 2], engine.Steps.Select(s => s.Length));
        Assert.All(engine.Steps[2], r => Assert.Same(engine.Steps[2][0].Sequence, r.Sequence));
        Assert.NotSame(engine.Steps[0][0].Sequence, engine.Steps[2][0].Sequence);
    }

    [Fact]
    public void StepOnce_ChunkedPrefill_DecodesEveryStepAndSpendsTheRestOfTheBudgetOnPrompts()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4, ChunkedPrefillTokens: 4), 1000, 10, TimeProvider.System);
        batcher.Submit(new ServeRequest([1, 4], 9, IgnoreEos: true));
        batcher.StepOnce(); // the first prompt (2 tokens) emits its first token
        batcher.Submit(new ServeRequest([1, 5, 5, 5, 5, 5, 5, 5, 5, 5], 3, IgnoreEos: true));
        for (var i = 0; i < 4; i++)
        {
            batcher.StepOnce(); // one decode, then 3, 3, 3 and the last 1 of the 10-token prompt
        }

        Assert.Equal([2, 4, 4, 4, 2], engine.Steps.Select(s => s.Length));
        Assert.Equal([true, false, false, false], engine.Steps[1].Select(r => r.WantLogits)); // A's decode, then B's chunk
        Assert.Equal([true, true], engine.Steps[4].Select(r => r.WantLogits));               // A's decode, B's last prompt token
    }

    [Fact]
    public async Task StepOnce_ClientCancels_SequenceLeavesAndItsKvCacheIsFreed()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4), 1000, 10, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var s = batcher.Submit(new ServeRequest([1, 4, 4], 50, IgnoreEos: true), cts.Token);
        var other = batcher.Submit(new ServeRequest([1, 4], 50, IgnoreEos: true));
        batcher.StepOnce();
        batcher.StepOnce();
        Assert.Equal(2, engine.OpenSequences);
        cts.Cancel();
        batcher.StepOnce();
        Assert.Equal(FinishReason.Cancelled, await s.Finished);
        Assert.Equal(1, engine.OpenSequences);
        Assert.Equal(1, batcher.Metrics.Running);
        Assert.Equal(52, batcher.Metrics.KvTokensUsed);
        Assert.Equal(1, batcher.Metrics.Finished(FinishReason.Cancelled));
        Assert.False(other.Finished.IsCompleted);
    }

    [Fact]
    public void Submit_QueueFull_ThrowsQueueFull()
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4), 1000, maxQueue: 2, TimeProvider.System);
        batcher.Submit(new ServeRequest([1], 5));
        batcher.Submit(new ServeRequest([1], 5));
        Assert.Throws<QueueFullException>(() => batcher.Submit(new ServeRequest([1], 5)));
        batcher.StepOnce(); // both admitted: the queue has room again
        batcher.Submit(new ServeRequest([1], 5));
    }

    [Theory]
    [InlineData(60, 5)] // beyond the context (64)
    [InlineData(0, 5)]  // no prompt
    [InlineData(3, 0)]  // no output
    public void Submit_RequestThatCanNeverRun_Throws(int promptLength, int maxTokens)
    {
        using var engine = new RecordingDecoder();
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4), 1000, 10, TimeProvider.System);
        Assert.Throws<ArgumentException>(() => batcher.Submit(new ServeRequest([.. Enumerable.Repeat(5, promptLength)], maxTokens)));
    }

    [Fact]
    public async Task StepOnce_EosWithoutIgnoreEos_StopsTheSequence()
    {
        using var engine = new RecordingDecoder { NextToken = 2 };
        using var batcher = new ContinuousBatcher(engine, new BatchingPolicy(4), 1000, 10, TimeProvider.System);
        var s = batcher.Submit(new ServeRequest([1, 4], 10));
        batcher.StepOnce();
        Assert.Equal(FinishReason.Stop, await s.Finished);
        Assert.Equal([new ServeToken(2, true, true)], Drain2(s));
    }

    private static List<ServeToken> Drain2(ServeSequence s)
    {
        var tokens = new List<ServeToken>();
        while (s.Tokens.TryRead(out var t))
        {
            tokens.Add(t);
        }

        return tokens;
    }

    /// <summary>An engine that records each step's rows and answers a fixed next token.</summary>
    private sealed class RecordingDecoder : IBatchDecoder
    {
        private float[] _logits = [];

        public ModelShape Config { get; } = s_config;

        public long KvBytesPerToken => 8;

        public List<BatchRow[]> Steps { get; } = [];

        public int NextToken { get; init; } = 7;

        public int OpenSequences => _open.Count(s => !s.IsDisposed);

        private readonly List<Seq> _open = [];

        public KvSequence Open(int capacity)
        {
            var s = new Seq(capacity);
            _open.Add(s);
            return s;
        }

        public void Step(ReadOnlySpan<BatchRow> rows)
        {
            Steps.Add(rows.ToArray());
            var n = rows.ToArray().Count(r => r.WantLogits);
            _logits = new float[n * Config.VocabSize];
            for (var i = 0; i < n; i++)
            {
                _logits[(i * Config.VocabSize) + NextToken] = 1;
            }
        }

        public Span<float> Logits(int index) => _logits.AsSpan(index * Config.VocabSize, Config.VocabSize);

        public void Dispose()
        {
        }

        private sealed class Seq(int capacity) : KvSequence
        {
            private bool _disposed;

            public override int Capacity => capacity;

            public override long Bytes => capacity * 8L;

            public override bool IsDisposed => _disposed;

            protected override void Dispose(bool disposing) => _disposed = true;
        }
    }
}
