using System.CommandLine;

namespace Fleet.Cli.Plan;

/// <summary>The `fleet plan` verbs.</summary>
public static class PlanCommands
{
    public static Command Create() => new("plan", "Not built yet.");
}
