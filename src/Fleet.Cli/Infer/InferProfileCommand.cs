using System.CommandLine;

namespace Fleet.Cli.Infer;

/// <summary>`fleet infer profile`: measures a preset and writes a PerformanceProfile for the planner.</summary>
public static class InferProfileCommand
{
    public static Command Create() => new("profile", "Not built yet.");
}
