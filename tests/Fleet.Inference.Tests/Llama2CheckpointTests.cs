using System.Buffers.Binary;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Model;

namespace Fleet.Inference.Tests;

public class Llama2CheckpointTests
{
    internal static readonly ModelShape Small = ModelShape.Of(32, 48, 2, 4, 4, 64, 16, tiedEmbeddings: true);
    internal static readonly ModelShape SmallGqaUntied = ModelShape.Of(32, 40, 2, 4, 2, 70, 16, tiedEmbeddings: false);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Open_WrittenCheckpoint_RoundTripsEveryTensor(bool shared)
    {
        using var dir = new TempDir();
        var config = shared ? Small : SmallGqaUntied;
        using var original = SyntheticWeights.Create(config, new Random(3));
        Llama2Checkpoint.Write(dir.File("m.bin"), original);

        using var loaded = Llama2Checkpoint.Open(dir.File("m.bin"));

        Assert.Equal(config, loaded.Config);
        foreach (var kind in WeightShapes.All)
        {
            for (var l = 0; l < (WeightShapes.IsPerLayer(kind) ? config.Layers : 1); l++)
            {
                Assert.True(original.Get(kind, l).SequenceEqual(loaded.Get(kind, l)), $"{kind} layer {l} differs");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pack_MappedCheckpoint_AlignedCopyOfEveryTensor(bool shared)
    {
        using var dir = new TempDir();
        var config = shared ? Small : SmallGqaUntied;
        using (var original = SyntheticWeights.Create(config, new Random(5)))
        {
            Llama2Checkpoint.Write(dir.File("m.bin"), original);
        }

        using var mapped = Llama2Checkpoint.Open(dir.File("m.bin"));
        using var packed = TransformerWeights.Pack(mapped);

        Assert.True(packed.IsCacheLineAligned);
        Assert.Equal(mapped.Bytes, packed.Bytes);
        foreach (var kind in WeightShapes.All)
        {
            for (var l = 0; l < (WeightShapes.IsPerLayer(kind) ? config.Layers : 1); l++)
            {
                Assert.True(mapped.Get(kind, l).SequenceEqual(packed.Get(kind, l)), $"{kind} layer {l} differs");
            }
        }

        // A tied classifier stays one tensor: the copy does not duplicate it.
        Assert.Equal(shared, packed.Get(WeightKind.Classifier) == packed.Get(WeightKind.TokenEmbedding));
    }

    [Fact]
    public void Open_FileSize_MatchesHandComputedLayout()
    {
        using var dir = new TempDir();
        using var w = SyntheticWeights.Create(SmallGqaUntied, new Random(1));
        Llama2Checkpoint.Write(dir.File("m.bin"), w);
        // dim 32, hidden 40, 2 layers, 4 heads, 2 kv heads (kv_dim 16), vocab 70, seq 16, head 8.
        long floats = (70 * 32) + (2 * 32) + (2 * 32 * 32) + (2 * 2 * 16 * 32) + (2 * 32 * 32) + (2 * 32)
            + (3 * 2 * 40 * 32) + 32 + (2 * 16 * 4) + (70 * 32);
        Assert.Equal(28 + (floats * 4), new FileInfo(dir.File("m.bin")).Length);
    }

    [Fact]
    public void Open_TruncatedInsideWq_NamesTensorAndSizes()
    {
        using var dir = new TempDir();
        using (var w = SyntheticWeights.Create(Small, new Random(1)))
        {
            Llama2Checkpoint.Write(dir.File("m.bin"), w);
        }

        var wqOffset = 28 + (((64 * 32) + (2 * 32)) * 4);
        using (var f = new FileStream(dir.File("m.bin"), FileMode.Open))
        {
            f.SetLength(wqOffset + 100);
        }

        var ex = Assert.Throws<ModelFormatException>(() => Llama2Checkpoint.Open(dir.File("m.bin")));
        Assert.Contains("'wq'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{wqOffset + 100} bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UntiedHeaderWithoutClassifier_NamesWcls()
    {
        using var dir = new TempDir();
        using (var w = SyntheticWeights.Create(Small, new Random(1)))
        {
            Llama2Checkpoint.Write(dir.File("m.bin"), w);
        }

        PatchHeader(dir.File("m.bin"), 5, -64);

        var ex = Assert.Throws<ModelFormatException>(() => Llama2Checkpoint.Open(dir.File("m.bin")));
        Assert.Contains("'wcls'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, -32, "'dim'")]
    [InlineData(2, 0, "'n_layers'")]
    [InlineData(3, 5, "n_heads 5 does not divide dim 32")]
    [InlineData(4, 3, "n_kv_heads 3 does not divide n_heads 4")]
    [InlineData(5, 0, "'vocab_size'")]
    [InlineData(6, -1, "'seq_len'")]
    public void Open_BadHeaderField_SaysWhichField(int field, int value, string expected)
    {
        using var dir = new TempDir();
        using (var w = SyntheticWeights.Create(Small, new Random(1)))
        {
            Llama2Checkpoint.Write(dir.File("m.bin"), w);
        }

        PatchHeader(dir.File("m.bin"), field, value);

        var ex = Assert.Throws<ModelFormatException>(() => Llama2Checkpoint.Open(dir.File("m.bin")));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderCutShort_SaysTruncatedHeader()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("m.bin"), new byte[10]);
        var ex = Assert.Throws<ModelFormatException>(() => Llama2Checkpoint.Open(dir.File("m.bin")));
        Assert.Contains("truncated header", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'n_layers'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingFile_SaysNotFound()
    {
        var ex = Assert.Throws<ModelFormatException>(() => Llama2Checkpoint.Open("/nonexistent/model.bin"));
        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);
    }

    private static void PatchHeader(string path, int field, int value)
    {
        using var f = new FileStream(path, FileMode.Open);
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        f.Position = field * 4;
        f.Write(bytes);
    }
}
