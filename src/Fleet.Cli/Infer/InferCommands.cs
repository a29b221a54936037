using System.CommandLine;

namespace Fleet.Cli.Infer;

/// <summary>The `fleet infer` verbs: run a model, profile a preset.</summary>
public static class InferCommands
{
    public static Command Create()
    {
        var infer = new Command("infer", "Run the built-in Llama-architecture transformer and profile it for the capacity planner.");
        infer.Subcommands.Add(InferRunCommand.Create());
        infer.Subcommands.Add(InferProfileCommand.Create());
        infer.Subcommands.Add(InferSynthCommand.Create());
        infer.Subcommands.Add(Serve.InferServeCommand.Create());
        return infer;
    }
}
