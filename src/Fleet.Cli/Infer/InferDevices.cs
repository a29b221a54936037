using Fleet.Domain.Models;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;
using Fleet.Inference.Profiling;

namespace Fleet.Cli.Infer;

/// <summary>Picks the engine for --device.</summary>
internal static class InferDevices
{
    public static IDecoder CreateDecoder(string device, TransformerWeights weights, int threads) => device switch
    {
        "cpu" => new CpuTransformer(weights, threads),
        _ => throw new InvalidOperationException($"--device {device} is not available in this build."),
    };

    public static IProfileTarget CreateGpuProfileTarget(ModelShape shape, string dtype, int maxContext, int seed, IProgress<string> progress) =>
        throw new InvalidOperationException("--device gpu is not available in this build.");
}
