using System.Text.Json;
using Fleet.StandIn;

namespace Fleet.Cli.Tests.StandIn;

/// <summary>`fleet gpu devices --check` and `bench` through the real CUDA host path, on the stand-in driver and cuBLAS.</summary>
[Collection(BurnInProcesses.Name)]
public class StandInCheckTests
{
    private static readonly string[] IlgpuSteps = ["open accelerator", "bind context to thread", "allocate 16384 bytes", "compile kernel", "launch kernel", "synchronize", "read back and verify"];

    [Fact]
    public async Task DevicesCheck_StandIn_IlgpuStepsThenEveryCublasPrecisionThenCublasLtEachVerified()
    {
        var run = await StandInFleet.RunAsync("gpu", "devices", "--check", "--json");
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("deviceId").GetString() == "0");
        var steps = gpu.GetProperty("steps").EnumerateArray().Select(s => (Step: s.GetProperty("step").GetString()!, Ok: s.GetProperty("ok").GetBoolean())).ToList();
        Assert.Equal(IlgpuSteps, steps.Take(7).Select(s => s.Step));
        Assert.All(steps.Take(6), s => Assert.True(s.Ok, s.Step));
        // The stand-in runs no kernel, so the own-address fill reads back as zeros: the check must notice.
        Assert.False(steps[6].Ok);
        Assert.Equal(
            ["cuBLAS fp32 64x64x64 product", "cuBLAS bf16 64x64x64 product", "cuBLAS fp16 64x64x64 product", "cuBLAS tf32 64x64x64 product",
             "cuBLAS fp64 64x64x64 product", "cublasLt fp8 64x64x64 product"],
            steps.Skip(7).Select(s => s.Step));
        Assert.All(steps.Skip(7), s => Assert.True(s.Ok, s.Step + ": " + run.Stderr));
        Assert.Equal(1, run.ExitCode);

        // Printed as each step completes, in order, on stderr.
        var printed = run.Stderr.Split('\n').Where(l => l.StartsWith("[0] check ", StringComparison.Ordinal)).ToList();
        Assert.Equal(steps.Count, printed.Count);
        Assert.StartsWith("[0] check open accelerator: ok", printed[0], StringComparison.Ordinal);

        // The host path really went through the driver: context, allocation, module load, launch, synchronise.
        var cuda = run.Lines("stubcuda");
        Assert.Contains(cuda, l => l.StartsWith("cuCtxCreate_v2", StringComparison.Ordinal));
        Assert.Contains(cuda, l => l.StartsWith("cuMemAlloc_v2(16384)", StringComparison.Ordinal));
        Assert.Contains(cuda, l => l.StartsWith("cuModuleLoadData", StringComparison.Ordinal));
        Assert.Contains(cuda, l => l.StartsWith("cuLaunchKernel", StringComparison.Ordinal));
        Assert.Contains(cuda, l => l.StartsWith("cuStreamSynchronize", StringComparison.Ordinal) || l.StartsWith("cuCtxSynchronize", StringComparison.Ordinal));
    }

    [Theory]
    // cudaDataType_t: R_32F 0, R_64F 1, R_16F 2, R_16BF 14; cublasComputeType_t: 32F 68, 64F 70, 32F_FAST_TF32 77.
    [InlineData("fp32", 0, 0, 68)]
    [InlineData("tf32", 0, 0, 77)]
    [InlineData("fp16", 2, 0, 68)]
    [InlineData("bf16", 14, 0, 68)]
    [InlineData("fp64", 1, 1, 70)]
    public async Task DevicesCheck_StandIn_CublasGemmExLayoutPerPrecision(string precision, int inputType, int outputType, int compute)
    {
        var run = await CheckRun.Value;
        var gemm = run.Lines("stubcublas").Where(l => l.StartsWith("cublasGemmEx ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(gemm, l => StandInLibraries.Field(l, "compute") == compute.ToString(System.Globalization.CultureInfo.InvariantCulture)
            && StandInLibraries.Field(l, "atype") == inputType.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Row-major C = A·B as column-major Cᵀ = Bᵀ·Aᵀ: no transposes, every leading dimension the edge, computed on the host.
        foreach (var (key, value) in new[] { ("ta", "0"), ("tb", "0"), ("m", "64"), ("n", "64"), ("k", "64"), ("lda", "64"), ("ldb", "64"), ("ldc", "64"), ("algo", "-1"), ("alpha", "1"), ("beta", "0"), ("computed", "1") })
        {
            Assert.True(StandInLibraries.Field(line, key) == value, $"{precision}: {key} in {line}");
        }

        Assert.Equal(inputType.ToString(System.Globalization.CultureInfo.InvariantCulture), StandInLibraries.Field(line, "btype"));
        Assert.Equal(outputType.ToString(System.Globalization.CultureInfo.InvariantCulture), StandInLibraries.Field(line, "ctype"));
    }

    [Fact]
    public async Task DevicesCheck_StandIn_CublasLtFp8LayoutIsTnWithFp32Output()
    {
        var run = await CheckRun.Value;
        var lines = run.Lines("stubcublasLt").Where(l => l.StartsWith("cublasLtMatmul ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        // FP8 kernels take only TN; E4M3 is cudaDataType_t 28; FP32 compute (68) and scale (0); a heuristic's algorithm for
        // a 32 MiB workspace, as PyTorch gives cublasLt on Hopper.
        foreach (var (key, value) in new[] { ("ta", "1"), ("tb", "0"), ("atype", "28"), ("btype", "28"), ("compute", "68"), ("scale", "0"), ("lda", "64"), ("ldb", "64"), ("ldd", "64"), ("computed", "1"),
            ("algo", "1"), ("ws", "33554432") })
        {
            Assert.All(lines, l => Assert.True(StandInLibraries.Field(l, key) == value, $"{key} in {l}"));
        }
    }

    [Fact]
    public async Task DevicesCheck_ModuleLoadFails_WritesPtxAndJitLogNextToTheResult()
    {
        var dir = Directory.CreateDirectory(Path.Combine(StandInLibraries.Instance.Root, $"check-{Guid.NewGuid():N}")).FullName;
        var json = Path.Combine(dir, "devices.json");
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_MODULE_LOAD_FAIL"] = "1" }, withCublas: true, ["gpu", "devices", "--check", "--json", json]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("[0] check compile kernel: FAILED", run.Stderr, StringComparison.Ordinal);
        var ptx = await File.ReadAllTextAsync(Path.Combine(dir, "smoke-device0-fill.ptx"));
        Assert.Contains(".entry", ptx, StringComparison.Ordinal);
        Assert.Contains(".target sm_", ptx, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(Path.Combine(dir, "smoke-device0-fill.jit.log"));
        Assert.Contains("stand-in JIT refused", log, StringComparison.Ordinal);
        Assert.Contains("returned 218", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicesCheck_NvmlBusIdLookupFails_AcceleratorStillOpens()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_NVML_FAIL"] = "nvmlDeviceGetHandleByPciBusId_v2=999" }, withCublas: true, ["gpu", "devices", "--check", "--json"]);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("deviceId").GetString() == "0");
        var open = gpu.GetProperty("steps")[0];
        Assert.True(open.GetProperty("ok").GetBoolean(), open.ToString());
    }

    [Fact]
    public async Task Devices_CublasOnlyInTheOverrideFolder_PrintsTheChosenFile()
    {
        var dir = StandInLibraries.Instance.CublasDir;
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["FLEET_CUDA_LIB_DIR"] = dir }, withCublas: false, ["gpu", "devices", "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"libcublas.so.13: {Path.Combine(dir, "libcublas.so.13")}", run.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(run.Stdout);
        var libs = doc.RootElement.GetProperty("libraries").EnumerateArray().Select(l => l.GetProperty("path").GetString()).ToList();
        Assert.Equal([Path.Combine(dir, "libcublas.so.13"), Path.Combine(dir, "libcublasLt.so.13")], libs);
    }

    [Fact]
    public async Task BenchMatmul_GpuWithoutCublas_WarnsLoudlyAndCapsTheIlgpuKernelSize()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string>(), withCublas: false, ["gpu", "bench", "matmul", "--dtype", "fp32", "--device", "0", "--repeats", "1", "--json"]);
        Assert.Contains("WARNING: cuBLAS unavailable", run.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(run.Stdout);
        var row = Assert.Single(doc.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("ilgpu-tiled", row.GetProperty("engine").GetString());
        Assert.True(row.GetProperty("size").GetInt32() <= 2048, row.ToString());
    }

    [Fact]
    public async Task DevicesCheck_CublasLtFailsToLoad_Fp8StepFailsSayingWhy()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_CUBLASLT_FAIL"] = "cublasLtCreate=1" }, withCublas: true, ["gpu", "devices", "--check", "--json"]);
        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("deviceId").GetString() == "0");
        var fp8 = gpu.GetProperty("steps").EnumerateArray().Last();
        Assert.Equal("cublasLt fp8 64x64x64 product", fp8.GetProperty("step").GetString());
        Assert.False(fp8.GetProperty("ok").GetBoolean());
        Assert.Contains("cublasLtCreate", fp8.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchMatmulFp8_CublasLtFailsToLoad_RowReportedMissingAndExitsOne()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_CUBLASLT_FAIL"] = "cublasLtCreate=1" }, withCublas: true,
            ["gpu", "bench", "matmul", "--dtype", "fp8", "--size", "64", "--device", "0", "--repeats", "1", "--json"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("MISSING:", run.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(run.Stdout);
        var missing = Assert.Single(doc.RootElement.GetProperty("missing").EnumerateArray());
        Assert.Equal("cublas", missing.GetProperty("engine").GetString());
        Assert.Contains("cublasLt", missing.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static readonly Lazy<Task<StandInFleet.Outcome>> CheckRun = new(() => StandInFleet.RunAsync("gpu", "devices", "--check", "--json"));
}
