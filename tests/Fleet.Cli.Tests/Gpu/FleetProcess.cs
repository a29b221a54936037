using System.Diagnostics;

namespace Fleet.Cli.Tests.Gpu;

/// <summary>Runs the built `fleet` (fleet.dll next to the tests) as a real process: exit codes, stdout and stderr as a user sees them.</summary>
public static class FleetProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Process Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "fleet.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start fleet");
    }

    public static async Task<Outcome> RunAsync(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // Generous: a CPU-accelerator burn-in shares CI's two cores with every other test assembly.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"fleet {string.Join(' ', args)} ran past 300 s: {await stderr}");
        }

        return new Outcome(p.ExitCode, await stdout, await stderr);
    }

    public static string TempJson() => Path.Combine(Path.GetTempPath(), $"fleet-test-{Guid.NewGuid():N}.json");
}
