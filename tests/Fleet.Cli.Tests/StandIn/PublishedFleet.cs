using System.Diagnostics;

namespace Fleet.Cli.Tests.StandIn;

/// <summary>
/// The single-file, self-contained `fleet` as GPU hosts get it (dotnet publish -r linux-x64 --self-contained
/// -p:PublishSingleFile=true), published once per test run into a folder of its own (its own artifacts path, so the
/// repository's bin/ and obj/ are left alone).
/// </summary>
public static class PublishedFleet
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The published executable's path.</summary>
    public static Task<string> ExecutableAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        var root = FindRepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), $"fleet-publish-{Guid.NewGuid():N}");
        var output = Path.Combine(work, "out");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var a in new[]
        {
            "publish", Path.Combine(root, "src", "Fleet.Cli"), "-c", "Release", "-r", "linux-x64", "--self-contained",
            "-p:PublishSingleFile=true", "--artifacts-path", Path.Combine(work, "artifacts"), "-o", output, "-nologo",
        })
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of fleet ran past 10 minutes");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of fleet failed ({p.ExitCode}): {await stdout}{await stderr}");
        }

        return Path.Combine(output, "fleet");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Fleet.sln above {AppContext.BaseDirectory}");
    }
}
