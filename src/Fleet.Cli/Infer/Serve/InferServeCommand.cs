using System.CommandLine;
using System.Globalization;
using Fleet.Domain.Models;
using Fleet.Domain.Serving;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;
using Fleet.Inference.Profiling;
using Fleet.Inference.Serving;
using Fleet.Inference.Tokenization;

namespace Fleet.Cli.Infer.Serve;

/// <summary>
/// `fleet infer serve`: the engine behind an OpenAI-compatible HTTP server with continuous batching, admitting by the
/// same <see cref="BatchingPolicy"/> the simulator models. Runs until SIGINT/SIGTERM.
/// </summary>
public static class InferServeCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "Serve a preset's shape with seeded random weights and a synthetic tokenizer (e.g. stories-15m)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "llama2.c checkpoint (model.bin) or a Hugging Face model folder." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "llama2.c tokenizer.bin (with --checkpoint)." };
        var device = new Option<string>("--device") { Description = "cpu (gpu: not yet batched, see the report).", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "gpu");
        var maxBatch = new Option<int>("--max-batch") { Description = "Most sequences admitted at once (prefilling + decoding).", DefaultValueFactory = _ => 16 };
        var kvTokens = new Option<long>("--kv-tokens") { Description = "KV-cache token budget for all running sequences (0 = max-batch × context).", DefaultValueFactory = _ => 0 };
        var chunked = new Option<int>("--chunked-prefill") { Description = "Token budget per step for chunked prefill (0 = whole prompts, decodes wait).", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "CPU worker threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests that may wait for admission; more get 429.", DefaultValueFactory = _ => 1024 };
        var context = new Option<int>("--context") { Description = "Context length to serve (0 = the model's, at most 4096 for presets).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of a preset's random weights and tokenizer.", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--served-model-name") { Description = "Model id in the API (default: the preset, or the checkpoint's file name)." };
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (port 0 picks a free port).", DefaultValueFactory = _ => "http://127.0.0.1:8000" };
        var cmd = new Command("serve", "Serve the engine over an OpenAI-compatible /v1/completions with continuous batching, /v1/models and Prometheus /metrics.");
        foreach (var o in new Option[] { preset, checkpoint, tokenizer, device, maxBatch, kvTokens, chunked, threads, maxQueue, context, seed, name, urls })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var options = new ServeOptions(
                r.GetValue(preset), r.GetValue(checkpoint), r.GetValue(tokenizer), r.GetValue(device)!, r.GetValue(maxBatch), r.GetValue(kvTokens),
                r.GetValue(chunked), r.GetValue(threads), r.GetValue(maxQueue), r.GetValue(context), r.GetValue(seed), r.GetValue(name));
            using var served = ServeSetup.Load(options);
            var list = r.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            served.Batcher.Start();
            await using var host = await ServeHost.StartAsync(served.Model, list, TimeProvider.System, ct);
            var b = served.Batcher;
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"fleet: serving {served.Model.Name} on {string.Join(", ", host.Addresses)} (cpu, max-batch {b.Policy.MaxBatch}, kv-tokens {b.KvCapacityTokens}, chunked-prefill {b.Policy.ChunkedPrefillTokens}, context {b.MaxRequestTokens})"));
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            await Console.Error.WriteLineAsync("fleet: stopping the server.");
            return ExitCodes.Pass;
        });
        return cmd;
    }
}

/// <summary>The options of <c>fleet infer serve</c>.</summary>
public sealed record ServeOptions(
    string? Preset, string? Checkpoint, string? Tokenizer, string Device, int MaxBatch, long KvTokens, int ChunkedPrefill,
    int Threads, int MaxQueue, int Context, int Seed, string? ServedModelName);

/// <summary>A loaded model with its engine and batcher; disposing stops the batcher and frees the engine and weights.</summary>
public sealed class ServeSetup : IDisposable
{
    private readonly TransformerWeights _weights;
    private readonly IBatchDecoder _engine;

    private ServeSetup(TransformerWeights weights, IBatchDecoder engine, ContinuousBatcher batcher, ServedModel model)
    {
        _weights = weights;
        _engine = engine;
        Batcher = batcher;
        Model = model;
    }

    public ContinuousBatcher Batcher { get; }

    public ServedModel Model { get; }

    /// <summary>Default largest context a preset is served with on the CPU.</summary>
    public const int PresetContextCap = 4096;

    /// <summary>Checks the options, loads the model and builds the (not yet started) batcher.</summary>
    public static ServeSetup Load(ServeOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Device != "cpu")
        {
            throw new ArgumentException("--device gpu: the GPU engine has no batched step yet; serve on --device cpu.");
        }

        if (o.MaxBatch < 1)
        {
            throw new ArgumentException($"--max-batch must be ≥ 1, got {o.MaxBatch}.");
        }

        if (o.ChunkedPrefill < 0 || o.KvTokens < 0 || o.MaxQueue < 0 || o.Context < 0 || o.Threads < 0)
        {
            throw new ArgumentException("--chunked-prefill, --kv-tokens, --max-queue, --context and --threads must be ≥ 0.");
        }

        if ((o.Preset is null) == (o.Checkpoint is null))
        {
            throw new ArgumentException("Give either --preset NAME or --checkpoint M.bin --tokenizer T.bin.");
        }

        TransformerWeights weights;
        Llama2Tokenizer tokenizer;
        string name;
        if (o.Preset is { } presetName)
        {
            var shape = ModelPresets.Find(presetName)
                ?? throw new ArgumentException($"--preset: unknown preset '{presetName}'. Known: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}.");
            if (shape.WeightBytes(sizeof(float)) > CpuProfileTarget.MaxWeightBytes)
            {
                throw new ArgumentException($"--preset {presetName}: {shape.WeightBytes(sizeof(float)) / 1e9:F1} GB of float32 weights is more than the CPU engine serves ({CpuProfileTarget.MaxWeightBytes / 1e9:F1} GB); use stories-15m or stories-110m.");
            }

            var random = new Random(o.Seed);
            var config = shape.WithContext(o.Context > 0 ? o.Context : Math.Min(shape.MaxContext, PresetContextCap));
            weights = SyntheticWeights.Create(config, random);
            tokenizer = SyntheticTokenizer.Create(config.VocabSize, random);
            name = o.ServedModelName ?? shape.Name;
        }
        else
        {
            if (o.Tokenizer is null)
            {
                throw new ArgumentException("--checkpoint needs --tokenizer T.bin.");
            }

            weights = ModelLoader.Open(o.Checkpoint!);
            tokenizer = Llama2Tokenizer.Load(o.Tokenizer, weights.Config.VocabSize);
            name = o.ServedModelName ?? Path.GetFileNameWithoutExtension(o.Checkpoint!.TrimEnd('/'));
        }

        CpuBatchTransformer? engine = null;
        try
        {
            engine = new CpuBatchTransformer(weights, o.Threads);
            var context = o.Context > 0 ? Math.Min(o.Context, weights.Config.MaxContext) : weights.Config.MaxContext;
            var kv = o.KvTokens > 0 ? o.KvTokens : (long)o.MaxBatch * context;
            var policy = new BatchingPolicy(o.MaxBatch, o.ChunkedPrefill);
            var batcher = new ContinuousBatcher(engine, policy, kv, o.MaxQueue, TimeProvider.System, new ServingMetrics(), context);
            tokenizer.Prepare();
            return new ServeSetup(weights, engine, batcher, new ServedModel(name, batcher, tokenizer, weights.Config.VocabSize));
        }
        catch
        {
            engine?.Dispose();
            weights.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Batcher.Dispose();
        _engine.Dispose();
        _weights.Dispose();
    }
}
