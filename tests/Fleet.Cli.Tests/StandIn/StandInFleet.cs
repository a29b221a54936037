using System.Diagnostics;
using Fleet.StandIn;

namespace Fleet.Cli.Tests.StandIn;

/// <summary>Runs the built `fleet` as a child process that sees the stand-in H200 (driver, NVML and, optionally, cuBLAS).</summary>
public static class StandInFleet
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr, string Log)
    {
        public IReadOnlyList<string> Lines(string library) => StandInLibraries.LogLines(Log, library);
    }

    public static Task<Outcome> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), withCublas: true, args);

    /// <summary>Runs `fleet ARGS` (the built fleet.dll, or <paramref name="executable"/>) with the stand-in environment plus <paramref name="extra"/>.</summary>
    public static async Task<Outcome> RunAsync(IReadOnlyDictionary<string, string> extra, bool withCublas, string[] args, string? executable = null)
    {
        var libs = StandInLibraries.Instance;
        var log = Path.Combine(libs.Root, $"log-{Guid.NewGuid():N}.txt");
        var info = FleetProcess.StartInfo(args, executable);
        // No real GPU library may leak in from the host running the tests.
        info.Environment.Remove("CUDA_HOME");
        info.Environment.Remove("VIRTUAL_ENV");
        info.Environment.Remove("FLEET_CUDA_LIB_DIR");
        foreach (var (k, v) in libs.Environment(log, withCublas).Concat(extra))
        {
            info.Environment[k] = v;
        }

        var run = await FleetProcess.RunAsync(info, TimeSpan.FromSeconds(120));
        return new Outcome(run.ExitCode, run.Stdout, run.Stderr, log);
    }
}
