using System.CommandLine;

namespace Fleet.Cli.Gpu;

/// <summary>The `fleet gpu` verbs.</summary>
public static class GpuCommands
{
    public static Command Create() => new("gpu", "Not built yet.");
}
