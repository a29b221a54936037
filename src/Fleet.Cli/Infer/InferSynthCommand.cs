using System.CommandLine;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Model;
using Fleet.Inference.Tokenization;

namespace Fleet.Cli.Infer;

/// <summary>`fleet infer synth`: writes a seeded random-weight llama2.c checkpoint and tokenizer (for equivalence and speed checks).</summary>
public static class InferSynthCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "Start from a preset shape (e.g. stories-15m); the other options override it." };
        var dim = new Option<int?>("--dim") { Description = "Model dimension." };
        var hidden = new Option<int?>("--hidden-dim") { Description = "FFN hidden dimension." };
        var layers = new Option<int?>("--layers") { Description = "Layers." };
        var heads = new Option<int?>("--heads") { Description = "Query heads." };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads (fewer than heads = grouped-query)." };
        var vocab = new Option<int?>("--vocab") { Description = "Vocabulary size (≥ 354 when a tokenizer is written)." };
        var seqLen = new Option<int?>("--seq-len") { Description = "Maximum sequence length." };
        var untied = new Option<bool>("--untied") { Description = "Write a separate classifier (negative vocab_size in the header)." };
        var seed = new Option<int>("--seed") { Description = "Weight seed.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Checkpoint path to write.", Required = true };
        var tokenizerOut = new Option<string?>("--tokenizer-out") { Description = "Also write a matching tokenizer.bin here." };
        var exact = new Option<string?>("--exact-in") { Description = "Round weights to values exactly representable in bf16 or f16, so GPU and CPU engines hold identical weights." };
        var cmd = new Command("synth", "Write a random-weight llama2.c checkpoint (and tokenizer) of a given shape.");
        foreach (var o in new Option[] { preset, dim, hidden, layers, heads, kvHeads, vocab, seqLen, untied, seed, output, tokenizerOut, exact })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction((ParseResult r) =>
        {
            var presetName = r.GetValue(preset);
            var baseShape = presetName is null ? null : ModelPresets.Find(presetName)
                ?? throw new ArgumentException($"--preset: unknown preset '{presetName}'. Known: {string.Join(", ", ModelPresets.All.Select(p => p.Name))}.");
            int Need(Option<int?> o, int? fallback) => r.GetValue(o) ?? fallback
                ?? throw new ArgumentException($"{o.Name} is required without --preset.");
            var config = ModelShape.Of(
                Need(dim, baseShape?.Dim), Need(hidden, baseShape?.HiddenDim), Need(layers, baseShape?.Layers),
                Need(heads, baseShape?.Heads), Need(kvHeads, baseShape?.KvHeads), Need(vocab, baseShape?.VocabSize),
                Need(seqLen, baseShape?.MaxContext), !r.GetValue(untied) && (baseShape?.TiedEmbeddings ?? true));
            ShapeChecks.Validate(config, "synth");
            if ((double)config.Parameters * sizeof(float) > 8e9)
            {
                throw new ArgumentException($"synth: {config.Parameters} parameters would be a {config.Parameters * 4 / 1e9:F1} GB file; refusing (limit 8 GB).");
            }

            var seedValue = r.GetValue(seed);
            using (var weights = SyntheticWeights.Create(config, new Random(seedValue)))
            {
                if (r.GetValue(exact) is { } type)
                {
                    Fleet.Inference.Gpu.DeviceWeights.RoundHostWeights(weights, InferDevices.ParseGpuType(type));
                }

                Llama2Checkpoint.Write(r.GetValue(output)!, weights);
            }

            if (r.GetValue(tokenizerOut) is { } tokPath)
            {
                SyntheticTokenizer.Create(config.VocabSize, new Random(seedValue + 1)).Write(tokPath);
            }

            return ExitCodes.Pass;
        });
        return cmd;
    }
}
