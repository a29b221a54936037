using Fleet.Domain.Models;

namespace Fleet.Inference.Model;

/// <summary>The tensors of a Llama-architecture transformer, in llama2.c's file order.</summary>
public enum WeightKind
{
    TokenEmbedding,
    RmsAtt,
    Wq,
    Wk,
    Wv,
    Wo,
    RmsFfn,
    W1,
    W2,
    W3,
    RmsFinal,
    Classifier,
}

/// <summary>Shapes of each <see cref="WeightKind"/> for a given config: rows × columns of one layer's slice.</summary>
public static class WeightShapes
{
    /// <summary>All kinds, in llama2.c's file order.</summary>
    public static IReadOnlyList<WeightKind> All { get; } = Enum.GetValues<WeightKind>();

    /// <summary>Whether the tensor has one slice per layer.</summary>
    public static bool IsPerLayer(WeightKind kind) =>
        kind is not (WeightKind.TokenEmbedding or WeightKind.RmsFinal or WeightKind.Classifier);

    /// <summary>Rows and columns of one layer's slice (vectors have one row). Matrices are (out, in), row-major.</summary>
    public static (int Rows, int Cols) Shape(ModelShape c, WeightKind kind)
    {
        ArgumentNullException.ThrowIfNull(c);
        return kind switch
        {
            WeightKind.TokenEmbedding => (c.VocabSize, c.Dim),
            WeightKind.RmsAtt or WeightKind.RmsFfn or WeightKind.RmsFinal => (1, c.Dim),
            WeightKind.Wq => (c.Dim, c.Dim),
            WeightKind.Wk or WeightKind.Wv => (c.KvDim, c.Dim),
            WeightKind.Wo => (c.Dim, c.Dim),
            WeightKind.W1 or WeightKind.W3 => (c.HiddenDim, c.Dim),
            WeightKind.W2 => (c.Dim, c.HiddenDim),
            WeightKind.Classifier => (c.VocabSize, c.Dim),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>Floats in one layer's slice.</summary>
    public static long SliceLength(ModelShape c, WeightKind kind)
    {
        var (rows, cols) = Shape(c, kind);
        return (long)rows * cols;
    }

    /// <summary>Floats in the whole tensor (all layers).</summary>
    public static long TotalLength(ModelShape c, WeightKind kind) =>
        SliceLength(c, kind) * (IsPerLayer(kind) ? c.Layers : 1);

    /// <summary>llama2.c's name for the tensor, for error messages.</summary>
    public static string LegacyName(WeightKind kind) => kind switch
    {
        WeightKind.TokenEmbedding => "token_embedding_table",
        WeightKind.RmsAtt => "rms_att_weight",
        WeightKind.Wq => "wq",
        WeightKind.Wk => "wk",
        WeightKind.Wv => "wv",
        WeightKind.Wo => "wo",
        WeightKind.RmsFfn => "rms_ffn_weight",
        WeightKind.W1 => "w1",
        WeightKind.W2 => "w2",
        WeightKind.W3 => "w3",
        WeightKind.RmsFinal => "rms_final_weight",
        WeightKind.Classifier => "wcls",
        _ => kind.ToString(),
    };
}
