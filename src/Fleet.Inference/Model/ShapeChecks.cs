using System.Globalization;
using Fleet.Domain.Models;

namespace Fleet.Inference.Model;

/// <summary>
/// Whether the engines can run a <see cref="ModelShape"/> read from a checkpoint's header, in the header's own field
/// names (llama2.c's), so an error says which field of the file is wrong.
/// </summary>
public static class ShapeChecks
{
    /// <summary>Throws <see cref="ModelFormatException"/> naming the first field that makes the shape unusable.</summary>
    public static void Validate(ModelShape shape, string source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        void Positive(int value, string field)
        {
            if (value <= 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: {field} must be positive, got {value}."));
            }
        }

        Positive(shape.Dim, "dim");
        Positive(shape.HiddenDim, "hidden_dim");
        Positive(shape.Layers, "n_layers");
        Positive(shape.Heads, "n_heads");
        Positive(shape.KvHeads, "n_kv_heads");
        Positive(shape.VocabSize, "vocab_size");
        Positive(shape.MaxContext, "seq_len");
        if (shape.Dim % shape.Heads != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: n_heads {shape.Heads} does not divide dim {shape.Dim}."));
        }

        if (shape.Heads % shape.KvHeads != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: n_kv_heads {shape.KvHeads} does not divide n_heads {shape.Heads}."));
        }

        if (shape.HeadDim % 2 != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: head size {shape.HeadDim} (dim/n_heads) must be even for RoPE."));
        }

        if (!(shape.RopeTheta > 0) || !(shape.RmsNormEps > 0))
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: rope theta {shape.RopeTheta} and norm epsilon {shape.RmsNormEps} must be positive."));
        }
    }
}
