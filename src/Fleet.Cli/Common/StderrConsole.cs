using Spectre.Console;
using Fleet.Cli.Common;

namespace Fleet.Cli.Common;

/// <summary>The one console every verb writes progress and messages to: stderr, so stdout stays clean for results and JSON.</summary>
public static class StderrConsole
{
    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            console.Profile.Width = 400; // logs: one message per line, not wrapped at 80 columns
        }

        return console;
    }
}
