namespace Fleet.Domain.Models;

/// <summary>
/// The shape of a decoder-only (Llama-architecture) transformer: one definition for the inference engine (which reads a
/// checkpoint's header into it and runs it, <see cref="MaxContext"/> being the context it allocates for) and the planner
/// (which costs it).
/// </summary>
public sealed record ModelShape(
    string Name,
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int MaxContext,
    bool TiedEmbeddings,
    float RopeTheta = 10000f,
    float RmsNormEps = 1e-5f)
{
    public int HeadDim => Dim / Heads;

    public int KvDim => HeadDim * KvHeads;

    /// <summary>How many query heads share one key/value head (grouped-query attention).</summary>
    public int HeadsPerKvHead => Heads / KvHeads;

    /// <summary>A shape without a preset's name (a checkpoint's header, a synthetic or test model).</summary>
    public static ModelShape Of(
        int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int maxContext, bool tiedEmbeddings,
        float ropeTheta = 10000f, float rmsNormEps = 1e-5f, string name = "custom") =>
        new(name, dim, hiddenDim, layers, heads, kvHeads, vocabSize, maxContext, tiedEmbeddings, ropeTheta, rmsNormEps);

    /// <summary>The same model with its context capped at <paramref name="maxContext"/> (what an engine allocates for).</summary>
    public ModelShape WithContext(int maxContext) => this with { MaxContext = Math.Min(maxContext, MaxContext) };

    /// <summary>Parameters per layer: attention (q, k, v, o), SwiGLU (w1, w2, w3) and two RMSNorm weights.</summary>
    public long ParametersPerLayer =>
        ((long)Dim * Dim) + (2L * Dim * KvDim) + ((long)Dim * Dim) + (3L * Dim * HiddenDim) + (2L * Dim);

    /// <summary>Every parameter, embeddings and classifier included (the classifier once when tied).</summary>
    public long Parameters =>
        (Layers * ParametersPerLayer) + ((long)VocabSize * Dim) + Dim + (TiedEmbeddings ? 0 : (long)VocabSize * Dim);

    /// <summary>Parameters touched per generated token: everything but the embedding table lookup.</summary>
    public long ActiveParametersPerToken =>
        (Layers * ParametersPerLayer) + Dim + ((long)VocabSize * Dim);

    public long WeightBytes(int bytesPerParameter) => Parameters * bytesPerParameter;

    /// <summary>KV-cache bytes one token of context occupies across all layers.</summary>
    public long KvBytesPerToken(int bytesPerElement) => 2L * Layers * KvDim * bytesPerElement;

    /// <summary>Checks the shape is buildable; throws <see cref="DomainException"/> naming the bad field.</summary>
    public void Validate()
    {
        static void Positive(int v, string field)
        {
            if (v <= 0)
            {
                throw new DomainException($"Model shape field '{field}' must be positive, got {v}.");
            }
        }

        Positive(Dim, "dim");
        Positive(HiddenDim, "hiddenDim");
        Positive(Layers, "layers");
        Positive(Heads, "heads");
        Positive(KvHeads, "kvHeads");
        Positive(VocabSize, "vocabSize");
        Positive(MaxContext, "maxContext");
        if (Dim % Heads != 0)
        {
            throw new DomainException($"Model shape: dim {Dim} is not a multiple of heads {Heads}.");
        }

        if (Heads % KvHeads != 0)
        {
            throw new DomainException($"Model shape: heads {Heads} is not a multiple of kvHeads {KvHeads}.");
        }
    }
}

/// <summary>Shapes of real models, by the names the CLI and scenarios use.</summary>
public static class ModelPresets
{
    public static readonly ModelShape Llama31_8B = new("llama-3.1-8b", 4096, 14336, 32, 32, 8, 128256, 131072, false, 500000f);
    public static readonly ModelShape Llama31_70B = new("llama-3.1-70b", 8192, 28672, 80, 64, 8, 128256, 131072, false, 500000f);
    public static readonly ModelShape Llama32_1B = new("llama-3.2-1b", 2048, 8192, 16, 32, 8, 128256, 131072, true, 500000f);
    public static readonly ModelShape Llama32_3B = new("llama-3.2-3b", 3072, 8192, 28, 24, 8, 128256, 131072, true, 500000f);
    public static readonly ModelShape Mistral7B = new("mistral-7b", 4096, 14336, 32, 32, 8, 32000, 32768, false, 10000f);
    public static readonly ModelShape Stories15M = new("stories-15m", 288, 768, 6, 6, 6, 32000, 256, true);
    public static readonly ModelShape Stories110M = new("stories-110m", 768, 2048, 12, 12, 12, 32000, 1024, true);

    public static IReadOnlyList<ModelShape> All { get; } =
        [Llama31_8B, Llama31_70B, Llama32_1B, Llama32_3B, Mistral7B, Stories15M, Stories110M];

    /// <summary>The preset of that name (case-insensitive), or null.</summary>
    public static ModelShape? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
}
