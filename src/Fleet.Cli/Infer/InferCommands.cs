using System.CommandLine;

namespace Fleet.Cli.Infer;

/// <summary>The `fleet infer` verbs.</summary>
public static class InferCommands
{
    public static Command Create() => new("infer", "Not built yet.");
}
