using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tests;

public class HfCheckpointTests
{
    private static readonly ModelShape Config = ModelShape.Of(32, 48, 2, 4, 2, 64, 32, false, ropeTheta: 500000f, rmsNormEps: 1e-6f);

    /// <summary>Random weights in Hugging Face layout, by HF tensor name.</summary>
    private static Dictionary<string, (float[] Data, long[] Shape)> HfWeights(ModelShape c, int seed)
    {
        var r = new Random(seed);
        var result = new Dictionary<string, (float[], long[])>();
        foreach (var kind in WeightShapes.All)
        {
            if (kind == WeightKind.Classifier && c.TiedEmbeddings)
            {
                continue;
            }

            var (rows, cols) = WeightShapes.Shape(c, kind);
            for (var l = 0; l < (WeightShapes.IsPerLayer(kind) ? c.Layers : 1); l++)
            {
                var isNorm = kind is WeightKind.RmsAtt or WeightKind.RmsFfn or WeightKind.RmsFinal;
                var data = Enumerable.Range(0, rows * cols).Select(_ => isNorm ? 0.5f + r.NextSingle() : (r.NextSingle() - 0.5f) / 3).ToArray();
                result[HfCheckpoint.TensorName(kind, l)] = (data, rows == 1 ? [cols] : [rows, cols]);
            }
        }

        return result;
    }

    internal static void WriteSafetensors(string path, IEnumerable<(string Name, string Dtype, long[] Shape, byte[] Data)> tensors)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            header[name] = new { dtype, shape, data_offsets = new[] { offset, offset + data.Length } };
            offset += data.Length;
            blobs.Add(data);
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var f = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        f.Write(len);
        f.Write(json);
        foreach (var b in blobs)
        {
            f.Write(b);
        }
    }

    internal static byte[] Encode(float[] values, string dtype)
    {
        var size = dtype == "F32" ? 4 : 2;
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case "F32":
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                    break;
                case "F16":
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                    break;
                default:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
                    break;
            }
        }

        return bytes;
    }

    private static void WriteConfig(string folder, ModelShape c, string? overrideJson = null)
    {
        var json = overrideJson ?? string.Create(CultureInfo.InvariantCulture,
            $$"""{"model_type":"llama","hidden_size":{{c.Dim}},"intermediate_size":{{c.HiddenDim}},"num_hidden_layers":{{c.Layers}},"num_attention_heads":{{c.Heads}},"num_key_value_heads":{{c.KvHeads}},"vocab_size":{{c.VocabSize}},"max_position_embeddings":{{c.MaxContext}},"rms_norm_eps":{{c.RmsNormEps}},"rope_theta":{{c.RopeTheta}},"tie_word_embeddings":{{(c.TiedEmbeddings ? "true" : "false")}}}""");
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
    }

    [Fact]
    public void Open_HfLayout_LogitsMatchRotateHalfReference()
    {
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        WriteConfig(dir.Path, Config);
        WriteSafetensors(dir.File("model.safetensors"), hf.Select(kv => (kv.Key, "F32", kv.Value.Shape, Encode(kv.Value.Data, "F32"))));

        using var w = HfCheckpoint.Open(dir.Path);
        using var engine = new CpuTransformer(w, 1);
        var reference = new NaiveReference(Config, (kind, l) => hf[HfCheckpoint.TensorName(kind, l)].Data, rotateHalf: true);
        int[] tokens = [1, 9, 33, 2, 60];
        for (var pos = 0; pos < tokens.Length; pos++)
        {
            var logits = engine.Forward(tokens[pos], pos).ToArray();
            var expected = reference.Forward(tokens[pos], pos);
            for (var i = 0; i < logits.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - logits[i]) < 1e-4 * (1 + Math.Abs(expected[i])), $"pos {pos} logit {i}: {logits[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void Open_WithoutUnpermute_WouldDisagree()
    {
        // Guards the test above: treating HF rows as interleaved pairs gives different logits once pos > 0.
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        using var w = TransformerWeights.Allocate(Config);
        foreach (var kind in WeightShapes.All)
        {
            for (var l = 0; l < (WeightShapes.IsPerLayer(kind) ? Config.Layers : 1); l++)
            {
                hf[HfCheckpoint.TensorName(kind, l)].Data.CopyTo(w.Get(kind, l));
            }
        }

        using var engine = new CpuTransformer(w, 1);
        var reference = new NaiveReference(Config, (kind, l) => hf[HfCheckpoint.TensorName(kind, l)].Data, rotateHalf: true);
        engine.Forward(1, 0);
        reference.Forward(1, 0);
        var logits = engine.Forward(9, 1).ToArray();
        var expected = reference.Forward(9, 1);
        Assert.Contains(Enumerable.Range(0, logits.Length), i => Math.Abs(expected[i] - logits[i]) > 1e-3);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Open_HalfPrecisionShards_ConvertExactlyAndTieEmbeddings(string dtype)
    {
        using var dir = new TempDir();
        var tied = Config with { TiedEmbeddings = true };
        var hf = HfWeights(tied, 2);
        // Values representable in both F16 and BF16: multiples of 1/64 in (-4, 4).
        foreach (var t in hf.Values)
        {
            for (var i = 0; i < t.Data.Length; i++)
            {
                t.Data[i] = MathF.Round(t.Data[i] * 64) / 64;
            }
        }

        WriteConfig(dir.Path, tied);
        var names = hf.Keys.Order(StringComparer.Ordinal).ToList();
        var first = names.Take(names.Count / 2).ToList();
        var second = names.Skip(names.Count / 2).ToList();
        WriteSafetensors(dir.File("model-00001-of-00002.safetensors"), first.Select(n => (n, dtype, hf[n].Shape, Encode(hf[n].Data, dtype))));
        WriteSafetensors(dir.File("model-00002-of-00002.safetensors"), second.Select(n => (n, dtype, hf[n].Shape, Encode(hf[n].Data, dtype))));
        var map = names.ToDictionary(n => n, n => first.Contains(n) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        File.WriteAllText(dir.File("model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));

        using var w = HfCheckpoint.Open(dir.Path);
        Assert.True(w.Config.TiedEmbeddings);
        Assert.Equal(hf["model.layers.1.mlp.down_proj.weight"].Data, w.Get(WeightKind.W2, 1).ToArray());
        Assert.Equal(hf["model.embed_tokens.weight"].Data, w.Get(WeightKind.Classifier).ToArray());
        Assert.Equal(1e-6f, w.Config.RmsNormEps);
        Assert.Equal(500000f, w.Config.RopeTheta);
    }

    [Fact]
    public void Open_MissingTensor_NamesIt()
    {
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        hf.Remove("model.layers.1.self_attn.v_proj.weight");
        WriteConfig(dir.Path, Config);
        WriteSafetensors(dir.File("model.safetensors"), hf.Select(kv => (kv.Key, "F32", kv.Value.Shape, Encode(kv.Value.Data, "F32"))));
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Open(dir.Path));
        Assert.Contains("model.layers.1.self_attn.v_proj.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongDtype_SaysDtype()
    {
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        WriteConfig(dir.Path, Config);
        WriteSafetensors(dir.File("model.safetensors"), hf.Select(kv => (kv.Key, kv.Key.Contains("o_proj", StringComparison.Ordinal) ? "I32" : "F32", kv.Value.Shape, Encode(kv.Value.Data, "F32"))));
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Open(dir.Path));
        Assert.Contains("dtype I32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ShapeDisagreesWithConfig_SaysBoth()
    {
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        WriteConfig(dir.Path, Config with { HiddenDim = 40 });
        WriteSafetensors(dir.File("model.safetensors"), hf.Select(kv => (kv.Key, "F32", kv.Value.Shape, Encode(kv.Value.Data, "F32"))));
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Open(dir.Path));
        Assert.Contains("[48, 32]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[40, 32]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{"hidden_size": 32}""", "'num_attention_heads'")]
    [InlineData("""{"model_type":"gpt2","hidden_size":32}""", "model_type 'gpt2'")]
    [InlineData("""{"model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":8.0},"hidden_size":32}""", "rope_scaling 'llama3' is not supported")]
    [InlineData("""{"hidden_size":30,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":10}""", "does not divide dim 30")]
    public void Open_BadConfig_ExplainsWhy(string json, string expected)
    {
        using var dir = new TempDir();
        WriteConfig(dir.Path, Config, json);
        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Open(dir.Path));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TruncatedSafetensors_SaysOffsetsOutsideData()
    {
        using var dir = new TempDir();
        var hf = HfWeights(Config, 1);
        WriteConfig(dir.Path, Config);
        WriteSafetensors(dir.File("model.safetensors"), hf.Select(kv => (kv.Key, "F32", kv.Value.Shape, Encode(kv.Value.Data, "F32"))));
        using (var f = new FileStream(dir.File("model.safetensors"), FileMode.Open))
        {
            f.SetLength(f.Length - 10);
        }

        var ex = Assert.Throws<ModelFormatException>(() => HfCheckpoint.Open(dir.Path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }
}
