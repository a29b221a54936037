namespace Fleet.Cli.Tests;

/// <summary>
/// Tests that start real <c>fleet</c> processes running burn-ins on ILGPU's CPU accelerator. They run one at a time:
/// side by side on two cores each would take minutes instead of seconds and hit its own time limits.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BurnInProcesses
{
    public const string Name = "fleet burn-in processes";
}
