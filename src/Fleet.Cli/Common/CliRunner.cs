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
            // SIGINT/SIGTERM cancel the verb's token; it then has 20 s to stop cleanly (a burn-in lets the kernel in flight
            // finish and writes its partial result: 2 s cut that off on a loaded host, exit 130 and no result). A verb that
            // handles the signals itself (the agent finishes a post first) gets no cut-off at all.
            var selfStopping = parse.CommandResult.Command is SignalAwareCommand;
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = selfStopping ? null : TimeSpan.FromSeconds(20),
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
