using System.CommandLine;

namespace Fleet.Cli.Gpu;

/// <summary>The `fleet gpu` verbs.</summary>
public static class GpuCommands
{
    public static Command Create()
    {
        var gpu = new Command("gpu", "GPU discovery, burn-in and benchmarks (CUDA GPUs through ILGPU/cuBLAS/NVML, or ILGPU's CPU accelerator).");
        gpu.Subcommands.Add(DevicesCommand.Create());
        gpu.Subcommands.Add(BurnInCommand.Create());
        gpu.Subcommands.Add(BenchCommands.Create());
        return gpu;
    }
}
