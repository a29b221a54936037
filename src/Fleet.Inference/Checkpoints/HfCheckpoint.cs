using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>Hugging Face Llama-family checkpoints: config.json plus one or more *.safetensors files.</summary>
public static class HfCheckpoint
{
    public static TransformerWeights Open(string folder) =>
        throw new ModelFormatException($"{folder}: Hugging Face checkpoints are not supported yet.");
}
