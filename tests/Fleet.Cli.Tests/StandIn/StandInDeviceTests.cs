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
}
