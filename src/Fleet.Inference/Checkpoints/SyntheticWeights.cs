using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>
/// Deterministic random weights for a shape: capacity runs and equivalence checks need a model, not a trained one.
/// Scales keep activations in a sane range so greedy decoding is not a constant.
/// </summary>
public static class SyntheticWeights
{
    /// <summary>Allocates and fills weights for <paramref name="config"/> from <paramref name="random"/>.</summary>
    public static TransformerWeights Create(ModelShape config, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(random);
        ShapeChecks.Validate(config, "synthetic model");
        var weights = TransformerWeights.Allocate(config);
        try
        {
            foreach (var kind in WeightShapes.All)
            {
                if (kind == WeightKind.Classifier && config.TiedEmbeddings)
                {
                    continue;
                }

                var (_, cols) = WeightShapes.Shape(config, kind);
                var layers = WeightShapes.IsPerLayer(kind) ? config.Layers : 1;
                for (var l = 0; l < layers; l++)
                {
                    var span = weights.Get(kind, l);
                    if (kind is WeightKind.RmsAtt or WeightKind.RmsFfn or WeightKind.RmsFinal)
                    {
                        Fill(span, random, 0.5f, 1.5f);
                    }
                    else if (kind == WeightKind.TokenEmbedding)
                    {
                        Fill(span, random, -0.05f, 0.05f);
                    }
                    else
                    {
                        var a = 1.7f / MathF.Sqrt(cols);
                        Fill(span, random, -a, a);
                    }
                }
            }

            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static void Fill(Span<float> span, Random random, float lo, float hi)
    {
        var width = hi - lo;
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = lo + (width * random.NextSingle());
        }
    }
}
