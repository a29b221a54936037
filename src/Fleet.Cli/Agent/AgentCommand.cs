using System.CommandLine;

namespace Fleet.Cli.Agent;

/// <summary>The `fleet agent` verb: pulls burn-in jobs from the server and posts results.</summary>
public static class AgentCommand
{
    public static Command Create() => new("agent", "Not built yet.");
}
