using System.CommandLine;

namespace Fleet.Cli;

/// <summary>Exit codes every verb keeps: 0 pass, 1 a device (or check) failed, 2 could not run.</summary>
public static class ExitCodes
{
    public const int Pass = 0;
    public const int Failed = 1;
    public const int CouldNotRun = 2;
}

/// <summary>A verb that registers its own SIGINT/SIGTERM handling (System.CommandLine's is turned off for it).</summary>
public sealed class SignalAwareCommand(string name, string? description = null) : Command(name, description);

/// <summary>Runs the command tree, turning parse errors and unexpected exceptions into exit code 2 with a one-line message.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"fleet: {error.Message}");
            }

            return ExitCodes.CouldNotRun;
        }

        try
        {
            // A verb that handles SIGINT/SIGTERM itself (the agent finishes a post first) must not be cut off after 2 s.
            var selfStopping = parse.CommandResult.Command is SignalAwareCommand;
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = selfStopping ? null : TimeSpan.FromSeconds(2),
            });
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("fleet: cancelled.");
            return ExitCodes.CouldNotRun;
        }
        catch (Exception ex)
        {
            // Users get one line, never a stack trace; FLEET_DEBUG=1 shows the whole exception.
            await Console.Error.WriteLineAsync(Environment.GetEnvironmentVariable("FLEET_DEBUG") == "1" ? $"fleet: {ex}" : $"fleet: {ex.Message}");
            return ExitCodes.CouldNotRun;
        }
    }
}
