using System.Globalization;
using System.Text.Json;
using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>
/// Hugging Face Llama-family checkpoints: config.json plus model.safetensors or shards listed in
/// model.safetensors.index.json (F32, F16 or BF16), loaded as float32. HF orders each head's q/k rows for rotate_half
/// RoPE (pairs i and i + head/2); they are permuted here into llama2.c's interleaved pairs so one RoPE serves both.
/// </summary>
public static class HfCheckpoint
{
    public static TransformerWeights Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var config = ReadConfig(folder);
        var files = OpenFiles(folder);
        try
        {
            var weights = TransformerWeights.Allocate(config);
            try
            {
                Load(config, files, weights);
                return weights;
            }
            catch
            {
                weights.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var f in files.Values.Distinct())
            {
                f.Dispose();
            }
        }
    }

    /// <summary>Reads config.json into a transformer config (context capped at 4096 positions for the KV cache).</summary>
    public static ModelShape ReadConfig(string folder, int maxSeqLen = 4096)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{folder}: no config.json.");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path}: not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: expected a JSON object.");
            }

            int Int(string name, int? fallback = null)
            {
                if (root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v))
                {
                    return v;
                }

                return fallback ?? throw new ModelFormatException($"{path}: missing or non-integer field '{name}'.");
            }

            double Num(string name, double fallback) =>
                root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : fallback;

            if (root.TryGetProperty("model_type", out var mt) && mt.GetString() is { } type && type is not ("llama" or "mistral"))
            {
                throw new ModelFormatException($"{path}: model_type '{type}' is not a Llama-family model (llama, mistral).");
            }

            if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind == JsonValueKind.Object)
            {
                var kind = scaling.TryGetProperty("rope_type", out var rt) ? rt.GetString() : scaling.TryGetProperty("type", out var t0) ? t0.GetString() : "?";
                throw new ModelFormatException($"{path}: rope_scaling '{kind}' is not supported (the engine implements plain RoPE with rope_theta); refusing rather than generating with wrong positions.");
            }

            var dim = Int("hidden_size");
            var heads = Int("num_attention_heads");
            if (root.TryGetProperty("head_dim", out var hd) && hd.ValueKind == JsonValueKind.Number && heads > 0 && hd.GetInt32() * heads != dim)
            {
                throw new ModelFormatException($"{path}: head_dim {hd.GetInt32()} × {heads} heads ≠ hidden_size {dim}; such models are not supported.");
            }

            var tied = root.TryGetProperty("tie_word_embeddings", out var t) && t.ValueKind == JsonValueKind.True;
            var config = ModelShape.Of(
                dim, Int("intermediate_size"), Int("num_hidden_layers"), heads, Int("num_key_value_heads", heads),
                Int("vocab_size"), Math.Min(Int("max_position_embeddings", 2048), maxSeqLen), tied,
                (float)Num("rope_theta", 10000), (float)Num("rms_norm_eps", 1e-5));
            ShapeChecks.Validate(config, path);
            return config;
        }
    }

    private static Dictionary<string, SafetensorsFile> OpenFiles(string folder)
    {
        var index = Path.Combine(folder, "model.safetensors.index.json");
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(index))
            {
                using var doc = ParseJson(index);
                if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                {
                    throw new ModelFormatException($"{index}: missing object 'weight_map'.");
                }

                foreach (var entry in map.EnumerateObject())
                {
                    var file = entry.Value.GetString() ?? throw new ModelFormatException($"{index}: weight_map['{entry.Name}'] is not a file name.");
                    if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal))
                    {
                        throw new ModelFormatException($"{index}: weight_map['{entry.Name}'] = '{file}' must be a file in the same folder.");
                    }

                    if (!opened.TryGetValue(file, out var st))
                    {
                        st = SafetensorsFile.Open(Path.Combine(folder, file));
                        opened[file] = st;
                    }

                    byTensor[entry.Name] = st;
                }
            }
            else
            {
                var single = Path.Combine(folder, "model.safetensors");
                var candidates = File.Exists(single) ? [single] : Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
                if (candidates.Length == 0)
                {
                    throw new ModelFormatException($"{folder}: no model.safetensors, model.safetensors.index.json or *.safetensors file.");
                }

                foreach (var path in candidates)
                {
                    var st = SafetensorsFile.Open(path);
                    opened[path] = st;
                    foreach (var name in st.Tensors.Keys)
                    {
                        byTensor[name] = st;
                    }
                }
            }

            return byTensor;
        }
        catch
        {
            foreach (var f in opened.Values)
            {
                f.Dispose();
            }

            throw;
        }
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"{path}: not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>HF tensor name of each kind (layer-formatted).</summary>
    internal static string TensorName(WeightKind kind, int layer) => kind switch
    {
        WeightKind.TokenEmbedding => "model.embed_tokens.weight",
        WeightKind.RmsAtt => $"model.layers.{layer}.input_layernorm.weight",
        WeightKind.Wq => $"model.layers.{layer}.self_attn.q_proj.weight",
        WeightKind.Wk => $"model.layers.{layer}.self_attn.k_proj.weight",
        WeightKind.Wv => $"model.layers.{layer}.self_attn.v_proj.weight",
        WeightKind.Wo => $"model.layers.{layer}.self_attn.o_proj.weight",
        WeightKind.RmsFfn => $"model.layers.{layer}.post_attention_layernorm.weight",
        WeightKind.W1 => $"model.layers.{layer}.mlp.gate_proj.weight",
        WeightKind.W2 => $"model.layers.{layer}.mlp.down_proj.weight",
        WeightKind.W3 => $"model.layers.{layer}.mlp.up_proj.weight",
        WeightKind.RmsFinal => "model.norm.weight",
        WeightKind.Classifier => "lm_head.weight",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void Load(ModelShape c, Dictionary<string, SafetensorsFile> files, TransformerWeights weights)
    {
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && c.TiedEmbeddings)
            {
                continue;
            }

            var layers = WeightShapes.IsPerLayer(kind) ? c.Layers : 1;
            var (rows, cols) = WeightShapes.Shape(c, kind);
            for (var l = 0; l < layers; l++)
            {
                var name = TensorName(kind, l);
                if (!files.TryGetValue(name, out var file))
                {
                    var hint = kind == WeightKind.Classifier ? " (tie_word_embeddings is false, so the classifier must be present)" : string.Empty;
                    throw new ModelFormatException($"Missing tensor '{name}'{hint}.");
                }

                var info = file.Tensors[name];
                long[] expected = rows == 1 ? [cols] : [rows, cols];
                if (!info.Shape.SequenceEqual(expected))
                {
                    throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{file.Path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", expected)}]."));
                }

                var destination = weights.Get(kind, l);
                file.ReadFloat32(name, destination);
                if (kind is WeightKind.Wq or WeightKind.Wk)
                {
                    UnpermuteRope(destination, rows / c.HeadDim, c.HeadDim, cols);
                }
            }
        }
    }

    /// <summary>
    /// Row r = h·hs + half·hs/2 + j of an HF q/k matrix (rotate_half pairing) moves to row h·hs + 2j + half
    /// (llama2.c's interleaved pairing): the inverse of the permute in HF's convert_llama_weights_to_hf.py.
    /// </summary>
    internal static void UnpermuteRope(Span<float> matrix, int heads, int headSize, int cols)
    {
        var tmp = new float[headSize * cols];
        var half = headSize / 2;
        for (var h = 0; h < heads; h++)
        {
            var block = matrix.Slice(h * headSize * cols, headSize * cols);
            block.CopyTo(tmp);
            for (var j = 0; j < half; j++)
            {
                for (var part = 0; part < 2; part++)
                {
                    tmp.AsSpan(((part * half) + j) * cols, cols).CopyTo(block.Slice(((2 * j) + part) * cols, cols));
                }
            }
        }
    }
}
