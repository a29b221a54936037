using System.Text;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Generation;
using Fleet.Inference.Model;
using Fleet.Inference.Sampling;
using Fleet.Inference.Tokenization;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Inference.Tests;

public class GeneratorTests
{
    private static readonly ModelShape Config = ModelShape.Of(48, 64, 2, 4, 2, 400, 40, true);

    [Fact]
    public void Generate_Prompt_ForcesPromptTokensThenDecodesToText()
    {
        using var w = SyntheticWeights.Create(Config, new Random(1));
        using var engine = new CpuTransformer(w, 1);
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        var result = Generator.Generate(engine, tok, new Sampler(0, 0.9f, 1), "hello there", 30, new FakeTimeProvider());

        Assert.Equal(tok.Encode("hello there", true, false), result.PromptTokens);
        Assert.Equal(result.PromptTokens.Skip(1), result.Tokens.Take(result.PromptTokens.Count - 1));
        Assert.StartsWith("hello there", Encoding.UTF8.GetString(result.Text), StringComparison.Ordinal);
        Assert.Equal(tok.DecodeStream(1, result.Tokens), result.Text);
    }

    [Fact]
    public void Generate_Greedy_EachSampledTokenIsArgmaxOfAFreshRun()
    {
        using var w = SyntheticWeights.Create(Config, new Random(3));
        using var engine = new CpuTransformer(w, 1);
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        var result = Generator.Generate(engine, tok, new Sampler(0, 0.9f, 1), "a", 12, new FakeTimeProvider());

        using var check = new CpuTransformer(w, 1);
        var token = result.PromptTokens[0];
        for (var pos = 0; pos < result.Tokens.Count; pos++)
        {
            var logits = check.Forward(token, pos);
            if (pos >= result.PromptTokens.Count - 1)
            {
                Assert.Equal(Sampler.Argmax(logits), result.Tokens[pos]);
            }

            token = result.Tokens[pos];
        }
    }

    [Fact]
    public void Generate_Steps_StopsAfterThatManyPositions()
    {
        using var w = SyntheticWeights.Create(Config, new Random(1));
        using var engine = new CpuTransformer(w, 1);
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        var result = Generator.Generate(engine, tok, new Sampler(1f, 0.9f, 5), string.Empty, 7, new FakeTimeProvider());
        Assert.Equal([1], result.PromptTokens);
        Assert.True(result.Positions <= 7);
        Assert.Equal(result.Positions, result.Tokens.Count + (result.Positions < 7 ? 1 : 0));
    }

    [Fact]
    public void Generate_StepsZero_RunsToSeqLen()
    {
        using var w = SyntheticWeights.Create(Config, new Random(1));
        using var engine = new CpuTransformer(w, 1);
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        var result = Generator.Generate(engine, tok, new Sampler(0f, 0.9f, 5), "x", 0, new FakeTimeProvider());
        Assert.True(result.Positions == Config.MaxContext || result.Tokens.Count < Config.MaxContext);
    }

    [Fact]
    public void Generate_DecoderProposesBos_StopsWithoutPrintingIt()
    {
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        using var decoder = new ScriptedDecoder(Config, [300, 301, Llama2Tokenizer.Bos, 302]);
        var result = Generator.Generate(decoder, tok, new Sampler(0, 0.9f, 1), string.Empty, 10, new FakeTimeProvider());
        Assert.Equal([300, 301], result.Tokens);
        Assert.Equal(3, result.Positions);
    }

    [Fact]
    public void Generate_TokensPerSecond_UsesTimeAfterFirstStep()
    {
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        var time = new FakeTimeProvider();
        using var decoder = new ScriptedDecoder(Config, [300, 301, 302, 303, 304], time, TimeSpan.FromMilliseconds(250));
        var result = Generator.Generate(decoder, tok, new Sampler(0, 0.9f, 1), string.Empty, 5, time);
        // Five positions; the clock starts after the first: four steps of 250 ms = 4 tok/s.
        Assert.Equal(4.0, result.TokensPerSecond!.Value, 1e-9);
    }

    [Fact]
    public void Generate_PromptPositions_PrefillWithoutLogits_ThenForward()
    {
        var tok = SyntheticTokenizer.Create(400, new Random(2));
        using var decoder = new ScriptedDecoder(Config, Enumerable.Range(300, 20).ToArray());
        var prompt = "abc";
        var promptTokens = tok.Encode(prompt, bos: true, eos: false).Count;
        var result = Generator.Generate(decoder, tok, new Sampler(0, 0.9f, 1), prompt, 10, new FakeTimeProvider());
        Assert.Equal(promptTokens - 1, decoder.Prefills);
        Assert.Equal(10 - (promptTokens - 1), decoder.Forwards);
        Assert.Equal(10, result.Positions);
    }

    /// <summary>An engine that proposes a fixed token sequence (one-hot logits), optionally advancing a fake clock per step.</summary>
    private sealed class ScriptedDecoder(ModelShape config, int[] script, FakeTimeProvider? time = null, TimeSpan step = default) : IDecoder
    {
        private readonly float[] _logits = new float[config.VocabSize];

        public ModelShape Config { get; } = config;

        public int Prefills { get; private set; }

        public int Forwards { get; private set; }

        public void Prefill(int token, int pos)
        {
            time?.Advance(step);
            Prefills++;
        }

        public Span<float> Forward(int token, int pos)
        {
            Forwards++;
            time?.Advance(step);
            Array.Clear(_logits);
            _logits[script[pos]] = 1f;
            return _logits;
        }

        public void Dispose()
        {
        }
    }
}
