using Fleet.Inference.Model;

namespace Fleet.Inference.Checkpoints;

/// <summary>Opens a model from a path: a Hugging Face folder (or its config.json) or a llama2.c checkpoint file.</summary>
public static class ModelLoader
{
    public static TransformerWeights Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return HfCheckpoint.Open(path);
        }

        if (Path.GetFileName(path).Equals("config.json", StringComparison.OrdinalIgnoreCase))
        {
            return HfCheckpoint.Open(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        return Llama2Checkpoint.Open(path);
    }
}
