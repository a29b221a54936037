using Fleet.Domain.Models;
using Fleet.Inference.Cpu;
using Fleet.Inference.Gpu;
using Fleet.Inference.Model;
using Fleet.Inference.Profiling;

namespace Fleet.Cli.Infer;

/// <summary>Picks the engine for --device.</summary>
internal static class InferDevices
{
    public static DeviceWeightType ParseGpuType(string dtype) => dtype.ToLowerInvariant() switch
    {
        "bf16" => DeviceWeightType.BF16,
        "f16" or "fp16" => DeviceWeightType.FP16,
        _ => throw new ArgumentException($"--dtype {dtype}: the GPU engine holds weights as bf16 or f16."),
    };

    public static IDecoder CreateDecoder(string device, TransformerWeights weights, int threads, string dtype = "bf16") => device switch
    {
        "cpu" => new CpuTransformer(weights, threads),
        "gpu" => GpuDecoder.Create(GpuDevice.CreateCuda(), weights, ParseGpuType(dtype)),
        _ => throw new ArgumentException($"--device {device}: expected cpu or gpu."),
    };

    public static IProfileTarget CreateGpuProfileTarget(ModelShape shape, string dtype, int maxContext, int seed, IProgress<string> progress, int cudaIndex = 0)
    {
        var type = ParseGpuType(dtype);
        var device = GpuDevice.CreateCuda(cudaIndex);
        progress.Report($"gpu: {device.Name}, {device.MemoryBytes / 1e9:F1} GB; generating {shape.Parameters / 1e9:F2} B {dtype} weights on the device");
        try
        {
            return new GpuProfileTarget(device, shape, type, maxContext, (ulong)seed, TimeProvider.System, ownsDevice: true);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
