using System.Text.Json;

namespace Fleet.Cli.Tests.StandIn;

[Collection(BurnInProcesses.Name)]
public class StandInDeviceTests
{
    [Fact]
    public async Task Devices_OnlyLibcudaSo1OnThePath_FindsTheStandInH200()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string>(), withCublas: false, ["gpu", "devices", "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = Assert.Single(doc.RootElement.GetProperty("devices").EnumerateArray(), d => d.GetProperty("kind").GetString() == "cuda");
        Assert.Equal("NVIDIA H200", gpu.GetProperty("name").GetString());
        Assert.Equal("9.0", gpu.GetProperty("computeCapability").GetString());
        Assert.Contains(run.Lines("stubcuda"), l => l.StartsWith("cuInit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Devices_StandInH200_ClocksInMhzAsTheDriverReportsThem()
    {
        // The stand-in reports CU_DEVICE_ATTRIBUTE_CLOCK_RATE 1 980 000 kHz and MEMORY_CLOCK_RATE 3 201 000 kHz.
        var run = await StandInFleet.RunAsync("gpu", "devices", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("kind").GetString() == "cuda");
        Assert.Equal(1980, gpu.GetProperty("clockMhz").GetInt32());
        Assert.Equal(3201, gpu.GetProperty("memoryClockMhz").GetInt32());
    }

    [Fact]
    public async Task Devices_DriverPresentButNoDevice_ExitsTwoSayingSo()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_DEVICE_COUNT"] = "0" }, withCublas: false, ["gpu", "devices"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("a CUDA driver is present but ILGPU found no CUDA device", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BurnInAll_DriverPresentButNoDevice_ExitsTwoWithoutRunningOnTheCpu()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_DEVICE_COUNT"] = "0" }, withCublas: false,
            ["gpu", "burnin", "--device", "all", "--duration", "1s"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("a CUDA driver is present but ILGPU found no CUDA device", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("gemm", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Devices_NvmlSerialCallFailsUnexpectedly_OtherIdentityFieldsKept()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_NVML_FAIL"] = "nvmlDeviceGetSerial=999" }, withCublas: false, ["gpu", "devices", "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("kind").GetString() == "cuda");
        Assert.Equal("GPU-5a1d0000-0000-4000-8000-000000000001", gpu.GetProperty("uuid").GetString());
        Assert.Equal("96.00.99.00.01", gpu.GetProperty("vbiosVersion").GetString());
        Assert.False(gpu.TryGetProperty("serial", out var serial) && serial.ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task Devices_NvmlBusIdLookupFails_DeviceKeptWithoutIdentity()
    {
        var run = await StandInFleet.RunAsync(new Dictionary<string, string> { ["STUB_NVML_FAIL"] = "nvmlDeviceGetHandleByPciBusId_v2=999" }, withCublas: false, ["gpu", "devices", "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var gpu = doc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("kind").GetString() == "cuda");
        Assert.Equal("00000000:1B:00.0", gpu.GetProperty("pciBusId").GetString());
        Assert.False(gpu.TryGetProperty("uuid", out var uuid) && uuid.ValueKind == JsonValueKind.String);
    }
}
