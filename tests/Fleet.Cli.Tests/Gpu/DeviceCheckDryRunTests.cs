using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using Fleet.StandIn;

namespace Fleet.Cli.Tests.Gpu;

/// <summary>
/// benchmarks/gpu/device-check.sh run end to end on the stand-in H200 (driver, NVML, cuBLAS built from C by the tests)
/// with the built fleet: it must reach its summary inside its deadline and leave at most three files in $OUT, whatever
/// fails on the way. The stand-in runs no kernel, so its smoke check fails at "read back and verify".
/// </summary>
[Collection(BurnInProcesses.Name)]
[SupportedOSPlatform("linux")]
public sealed class DeviceCheckDryRunTests : IDisposable
{
    private readonly List<string> _folders = [];

    private static readonly string[] s_outputs = ["comparison.txt", "device-check.log", "device-check.tar.gz"];

    private sealed record Run(int ExitCode, string Output, string Errors, TimeSpan Wall, string Out, string[] Files)
    {
        /// <summary>The summary's line for a step: "NAME  STATE  Ns  NOTE".</summary>
        public string StepLine(string step)
        {
            var summary = Output[Output.LastIndexOf("=== summary", StringComparison.Ordinal)..];
            return summary.Split('\n').Single(l => l.StartsWith(step + "  ", StringComparison.Ordinal));
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Fleet.sln not found above the test output.");
    }

    public void Dispose()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<Run> RunDeviceCheckAsync(int deadline, bool keepGoing, IReadOnlyDictionary<string, string>? extra = null)
    {
        var libs = StandInLibraries.Instance;
        var root = Directory.CreateTempSubdirectory("fleet-device-check-test-").FullName;
        _folders.Add(root);
        var output = Directory.CreateDirectory(Path.Combine(root, "out")).FullName;
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot(), "benchmarks", "gpu", "device-check.sh"));
        info.ArgumentList.Add("--deadline");
        info.ArgumentList.Add(deadline.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (keepGoing)
        {
            info.ArgumentList.Add("--keep-going");
        }

        info.Environment.Remove("CUDA_HOME");
        info.Environment.Remove("FLEET_CUDA_LIB_DIR");
        foreach (var (k, v) in libs.Environment(Path.Combine(root, "stub.log")))
        {
            info.Environment[k] = v;
        }

        // Small sizes: the stand-in computes small products on the host and keeps "device" memory in host memory.
        info.Environment["OUT"] = output;
        info.Environment["FLEET"] = Path.Combine(AppContext.BaseDirectory, "fleet.dll");
        info.Environment["SIZE"] = "64";
        info.Environment["BANDWIDTH_MIB"] = "8";
        info.Environment["BURNIN_DURATION"] = "2s";
        info.Environment["PROFILE_PRESET"] = "stories-15m";
        info.Environment["PROFILE_ARGS"] = "--batch 1,2 --context 8,16 --repeats 1";
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var clock = Stopwatch.StartNew();
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(deadline + 60));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"device-check.sh ran a minute past its {deadline} s deadline:\n{await stdout}");
        }

        var files = Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        return new Run(p.ExitCode, await stdout, await stderr, clock.Elapsed, output, files!);
    }

    [Fact]
    public async Task DeviceCheck_StandInWithShortDeadline_ReachesSummaryInTimeWithThreeFiles()
    {
        const int deadline = 60;

        var run = await RunDeviceCheckAsync(deadline, keepGoing: true);

        Assert.True(run.ExitCode is 0 or 1, $"exit {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        Assert.Contains("=== summary", run.Output, StringComparison.Ordinal);
        Assert.Contains("device-check: ", run.Output[run.Output.LastIndexOf("=== summary", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.True(run.Wall.TotalSeconds <= deadline + 10, $"took {run.Wall.TotalSeconds:F0} s for a {deadline} s deadline:\n{run.Output}");
        Assert.Equal(s_outputs, run.Files);
        Assert.EndsWith("step(s) failed, timed out or were skipped", run.Output.TrimEnd(), StringComparison.Ordinal);

        // Steps in the order of their value, each line in the summary; with --keep-going the device steps ran.
        string[] order = ["smoke check", "matmul bf16", "pytorch matmul bf16", "device copy", "pytorch device copy", "comparison",
            "profile stories-15m", "burn-in quick", "burn-in inject gemm (must fail)", "burn-in inject memory (must fail)", "burn-in inject nan (must fail)"];
        var positions = order.Select(s => run.Output.LastIndexOf("\n" + s + "  ", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p > 0, run.Output));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("FAILED", run.StepLine("smoke check"), StringComparison.Ordinal);
        Assert.Contains(" ok ", run.StepLine("matmul bf16"), StringComparison.Ordinal);

        // Every JSON the steps wrote, and the log, are in the archive.
        var entries = new List<string>();
        await using (var gzip = new GZipStream(File.OpenRead(Path.Combine(run.Out, "device-check.tar.gz")), CompressionMode.Decompress))
        {
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                entries.Add(entry.Name);
            }
        }

        Assert.Contains("results/devices.json", entries);
        Assert.Contains("results/matmul-bf16.json", entries);
        Assert.Contains("results/device-check.log", entries);
    }

    [Fact]
    public async Task DeviceCheck_SmokeCheckFails_LaterStepsSkippedWithTheReason()
    {
        var run = await RunDeviceCheckAsync(120, keepGoing: false);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(s_outputs, run.Files);
        Assert.Contains("'read back and verify'", run.StepLine("smoke check"), StringComparison.Ordinal);
        var libs = StandInLibraries.Instance;
        Assert.Contains($"device-check: driver {Path.Combine(libs.DriverDir, "libcuda.so.1")}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"device-check: cuBLAS {Path.Combine(libs.CublasDir, "libcublas.so.13")}", run.Output, StringComparison.Ordinal);
        foreach (var step in new[] { "matmul bf16", "device copy", "profile stories-15m", "burn-in quick", "burn-in inject nan (must fail)", "matmul fp64" })
        {
            Assert.Matches(@"skipped\s+0s\s+smoke check failed \(device 0 at 'read back and verify'\)", run.StepLine(step));
        }
    }

    [Fact]
    public async Task DeviceCheck_NoPythonAndBinaryWithoutExecBit_RunsItAndSkipsPyTorchStepsWithTheReason()
    {
        // The carried binary arrives without its exec bit: here a launcher of the built fleet, mode 0644.
        var launcher = Path.Combine(Directory.CreateTempSubdirectory("fleet-device-check-bin-").FullName, "fleet");
        _folders.Add(Path.GetDirectoryName(launcher)!);
        await File.WriteAllTextAsync(launcher, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "fleet.dll")}\" \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var run = await RunDeviceCheckAsync(120, keepGoing: false, new Dictionary<string, string> { ["PYTHON"] = "/nonexistent/python3", ["FLEET"] = launcher });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"device-check: set the exec bit of {launcher}", run.Output, StringComparison.Ordinal);
        Assert.True(File.GetUnixFileMode(launcher).HasFlag(UnixFileMode.UserExecute));
        Assert.Contains("FAILED", run.StepLine("smoke check"), StringComparison.Ordinal); // it ran the binary
        Assert.Equal(["device-check.log", "device-check.tar.gz"], run.Files); // no python, no comparison table
        foreach (var step in new[] { "pytorch matmul bf16", "pytorch device copy", "pytorch matmul other precisions", "comparison" })
        {
            Assert.Matches(@"skipped\s+0s\s+/nonexistent/python3 not found", run.StepLine(step));
        }
    }
}
