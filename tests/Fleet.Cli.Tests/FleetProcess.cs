using System.Diagnostics;

namespace Fleet.Cli.Tests;

/// <summary>
/// The one way the tests run the built `fleet` (fleet.dll next to the tests, or a published executable) as a real
/// process: exit codes, stdout and stderr as a user sees them, killed with its children when it runs past its limit.
/// </summary>
public static class FleetProcess
{
    /// <summary>Generous: a CPU-accelerator burn-in or a served model shares CI's two cores with every other test assembly.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(300);

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    /// <summary>`fleet ARGS` with both streams redirected; callers may add environment variables before starting it.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? executable = null)
    {
        var info = new ProcessStartInfo(executable ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fleet.dll"));
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    public static Process Start(params string[] args) => Start(StartInfo(args));

    public static Process Start(ProcessStartInfo info) => Process.Start(info) ?? throw new InvalidOperationException("could not start fleet");

    public static Task<Outcome> RunAsync(params string[] args) => RunAsync(StartInfo(args));

    /// <summary>Runs to the end and returns what it printed; past <paramref name="limit"/> it is killed and the test fails with its stderr.</summary>
    public static async Task<Outcome> RunAsync(ProcessStartInfo info, TimeSpan? limit = null)
    {
        var (code, stdout, stderr) = await RunCoreAsync(info, limit, async s => await s.ReadToEndAsync());
        return new Outcome(code, stdout, stderr);
    }

    /// <summary>Like <see cref="RunAsync(string[])"/> with stdout as raw bytes (for output whose encoding is under test).</summary>
    public static Task<(int ExitCode, byte[] Stdout, string Stderr)> RunRawAsync(params string[] args) =>
        RunCoreAsync(StartInfo(args), null, async s =>
        {
            using var bytes = new MemoryStream();
            await s.BaseStream.CopyToAsync(bytes);
            return bytes.ToArray();
        });

    public static string TempJson() => Path.Combine(Path.GetTempPath(), $"fleet-test-{Guid.NewGuid():N}.json");

    private static async Task<(int, T, string)> RunCoreAsync<T>(ProcessStartInfo info, TimeSpan? limit, Func<StreamReader, Task<T>> readStdout)
    {
        using var p = Start(info);
        var stdout = readStdout(p.StandardOutput);
        var stderr = p.StandardError.ReadToEndAsync();
        var within = limit ?? DefaultLimit;
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"fleet {string.Join(' ', info.ArgumentList.SkipWhile(a => a.EndsWith("fleet.dll", StringComparison.Ordinal)))} ran past {within.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)} s: {await stderr}");
        }

        return (p.ExitCode, await stdout, await stderr);
    }
}
