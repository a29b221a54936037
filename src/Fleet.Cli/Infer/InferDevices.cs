using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Cli.Infer;

/// <summary>Picks the engine for --device.</summary>
internal static class InferDevices
{
    public static IDecoder CreateDecoder(string device, TransformerWeights weights, int threads) => device switch
    {
        "cpu" => new CpuTransformer(weights, threads),
        _ => throw new InvalidOperationException($"--device {device} is not available in this build."),
    };
}
