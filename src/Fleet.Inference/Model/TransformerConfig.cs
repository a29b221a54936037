using System.Globalization;
using Fleet.Domain.Models;

namespace Fleet.Inference.Model;

/// <summary>
/// Hyper-parameters of a Llama-architecture transformer as the engines need them (llama2.c's Config plus RoPE theta and norm epsilon).
/// </summary>
public sealed record TransformerConfig(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen,
    bool SharedClassifier,
    float RopeTheta = 10000f,
    float NormEps = 1e-5f)
{
    public int HeadSize => Dim / Heads;

    public int KvDim => Dim / Heads * KvHeads;

    /// <summary>How many query heads share one key/value head (grouped-query attention).</summary>
    public int KvMul => Heads / KvHeads;

    /// <summary>Number of float weights, classifier counted once when shared; the two legacy RoPE tables excluded.</summary>
    public long ParameterCount =>
        ((long)VocabSize * Dim) + (Layers * LayerParameterCount) + Dim + (SharedClassifier ? 0 : (long)VocabSize * Dim);

    internal long LayerParameterCount =>
        (2L * Dim) + ((long)Dim * Dim) + (2L * Dim * KvDim) + ((long)Dim * Dim) + (3L * Dim * HiddenDim);

    /// <summary>Throws <see cref="ModelFormatException"/> naming the first field that makes the shape unusable.</summary>
    public void Validate(string source)
    {
        void Positive(int value, string field)
        {
            if (value <= 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: {field} must be positive, got {value}."));
            }
        }

        Positive(Dim, "dim");
        Positive(HiddenDim, "hidden_dim");
        Positive(Layers, "n_layers");
        Positive(Heads, "n_heads");
        Positive(KvHeads, "n_kv_heads");
        Positive(VocabSize, "vocab_size");
        Positive(SeqLen, "seq_len");
        if (Dim % Heads != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: n_heads {Heads} does not divide dim {Dim}."));
        }

        if (Heads % KvHeads != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: n_kv_heads {KvHeads} does not divide n_heads {Heads}."));
        }

        if (HeadSize % 2 != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: head size {HeadSize} (dim/n_heads) must be even for RoPE."));
        }

        if (!(RopeTheta > 0) || !(NormEps > 0))
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: rope theta {RopeTheta} and norm epsilon {NormEps} must be positive."));
        }
    }

    /// <summary>The config of a domain preset, with the context capped at <paramref name="seqLen"/>.</summary>
    public static TransformerConfig FromShape(ModelShape shape, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new TransformerConfig(
            shape.Dim, shape.HiddenDim, shape.Layers, shape.Heads, shape.KvHeads, shape.VocabSize,
            Math.Min(seqLen, shape.MaxContext), shape.TiedEmbeddings, shape.RopeTheta, shape.RmsNormEps);
    }
}
