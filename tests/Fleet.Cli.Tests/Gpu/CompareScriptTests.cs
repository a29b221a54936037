using System.Diagnostics;

namespace Fleet.Cli.Tests.Gpu;

/// <summary>benchmarks/gpu/compare.py, the device check's table of Fleet against PyTorch.</summary>
public sealed class CompareScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-compare-").FullName;

    [Fact]
    public async Task Compare_GpuBenchWithoutCublasRow_ReportsItMissingAndFails()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "torch-reference.json"), """{"matmul":{"bf16":{"tflops":920},"fp8":{"tflops":1500}}}""");
        await File.WriteAllTextAsync(Path.Combine(_dir, "matmul-bf16.json"), """{"device":{"kind":"cuda"},"rows":[{"engine":"cublas","tflops":900.0}]}""");
        await File.WriteAllTextAsync(Path.Combine(_dir, "matmul-fp8.json"),
            """{"device":{"kind":"cuda"},"rows":[{"engine":"ilgpu-tiled","tflops":1.0}],"missing":[{"engine":"cublas","precision":"fp8","reason":"cublasLt unavailable"}]}""");
        var (code, stdout) = await RunAsync();
        Assert.Equal(1, code);
        var fp8 = stdout.Split('\n').Where(l => l.StartsWith("fp8", StringComparison.Ordinal)).ToList();
        Assert.Contains(fp8, l => l.Contains("cublas ", StringComparison.Ordinal) && l.Contains("MISSING (cublasLt unavailable)", StringComparison.Ordinal));
        Assert.Contains(stdout.Split('\n'), l => l.StartsWith("bf16", StringComparison.Ordinal) && l.TrimEnd().EndsWith("ok", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compare_GpuBenchWithNoCublasRowAndNoMissingList_StillReportsItMissing()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "matmul-fp8.json"), """{"device":{"kind":"cuda"},"rows":[{"engine":"ilgpu-tiled","tflops":1.0}]}""");
        var (code, stdout) = await RunAsync();
        Assert.Equal(1, code);
        Assert.Contains(stdout.Split('\n'), l => l.StartsWith("fp8", StringComparison.Ordinal) && l.Contains("MISSING", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Stdout)> RunAsync()
    {
        var script = FindUp(Path.Combine("benchmarks", "gpu", "compare.py"));
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(_dir);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start python3");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(string.IsNullOrEmpty(await stderr), await stderr);
        return (p.ExitCode, await stdout);
    }

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, relative)))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new FileNotFoundException(relative);
    }
}
