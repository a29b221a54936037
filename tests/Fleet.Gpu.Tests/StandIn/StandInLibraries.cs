using System.Diagnostics;

namespace Fleet.StandIn;

/// <summary>
/// The stand-in CUDA driver, NVML and cuBLAS libraries (C sources beside this file), built once per test process with gcc
/// by <c>build.sh</c> into a folder of their own. A process started with <see cref="Environment(string)"/> sees an H200
/// on a CUDA 13 driver and logs every driver and library call to its log file.
/// </summary>
public sealed class StandInLibraries
{
    private static readonly Lazy<StandInLibraries> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private StandInLibraries(string root)
    {
        Root = root;
    }

    /// <summary>The libraries, built on first use; throws with gcc's output when they cannot be built.</summary>
    public static StandInLibraries Instance => Built.Value;

    /// <summary>The build folder.</summary>
    public string Root { get; }

    /// <summary>libcuda.so.1 and libnvidia-ml.so.1 only, as a driver install provides them (no unversioned libcuda.so).</summary>
    public string DriverDir => Path.Combine(Root, "driver");

    /// <summary>libcublas.so.13 and libcublasLt.so.13.</summary>
    public string CublasDir => Path.Combine(Root, "cublas");

    /// <summary>The C sources and build.sh, as copied next to the test assembly.</summary>
    public static string SourceDir => Path.Combine(AppContext.BaseDirectory, "StandIn");

    /// <summary>
    /// Environment for a child process: the driver (and, with <paramref name="withCublas"/>, cuBLAS) on the loader path and
    /// every call logged to <paramref name="log"/>.
    /// </summary>
    public Dictionary<string, string> Environment(string log, bool withCublas = true) => new(StringComparer.Ordinal)
    {
        ["LD_LIBRARY_PATH"] = withCublas ? $"{DriverDir}:{CublasDir}" : DriverDir,
        ["STUB_LOG"] = log,
    };

    /// <summary>The log's lines from one library ("stubcuda", "stubnvml", "stubcublas", "stubcublasLt"), prefix removed.</summary>
    public static IReadOnlyList<string> LogLines(string log, string library)
    {
        var prefix = $"[{library}] ";
        return File.Exists(log)
            ? File.ReadLines(log).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]).ToList()
            : [];
    }

    /// <summary>The value of <paramref name="key"/> in a "call key=value key=value" log line.</summary>
    public static string? Field(string line, string key) =>
        line.Split(' ').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0] == key)?[1];

    private static StandInLibraries Build()
    {
        var root = Path.Combine(Path.GetTempPath(), $"fleet-standin-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(SourceDir, "build.sh"));
        info.ArgumentList.Add(root);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start bash for StandIn/build.sh");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("StandIn/build.sh ran past 120 s");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"StandIn/build.sh failed ({p.ExitCode}); gcc is needed (tests/run.sh installs it): {stdout}{stderr.Result}");
        }

        return new StandInLibraries(root);
    }
}
