using System.Text.Json;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Domain.Tests.Contracts;

public class BurnInContractTests
{
    [Fact]
    public void SchemaText_EmbeddedInDomain_EqualsRepositoryFile()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fleet.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var file = Path.Combine(dir!.FullName, "src", "Fleet.Domain", "Contracts", "BurnIn", "burnin-result.v1.schema.json");
        Assert.Equal(File.ReadAllText(file), BurnInJson.SchemaText());
        using var schema = JsonDocument.Parse(BurnInJson.SchemaText());
        Assert.Equal("fleet.burnin/v1", schema.RootElement.GetProperty("properties").GetProperty("schema").GetProperty("const").GetString());
    }

    [Fact]
    public void Deserialize_MinimalDocument_ReadsDevicesAndEnumsAsCamelCase()
    {
        const string json = """
            {
              "schema": "fleet.burnin/v1", "runId": "r-1", "tool": { "name": "fleet", "version": "0.1.0" },
              "host": { "hostname": "gpu-a-001", "os": "Linux", "processorCount": 2 },
              "options": { "level": "quick", "injectFault": "none", "seed": 1, "device": "cpu" },
              "complete": true, "verdict": "fail",
              "devices": [ { "device": { "id": "0", "kind": "cuda", "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-1", "serial": "S1" },
                             "engine": "cublas", "verdict": "fail",
                             "findings": [ { "code": "MEMORY_ERROR", "severity": "critical", "message": "bad", "evidence": { "errors": 3 } } ],
                             "telemetry": { "available": true, "energyJ": 1200.5 } } ]
            }
            """;
        var result = BurnInJson.Deserialize(json);
        var device = Assert.Single(result.Devices);
        Assert.Equal(DeviceKind.Cuda, device.Device.Kind);
        Assert.Equal(Verdict.Fail, device.Verdict);
        Assert.True(Assert.Single(device.Findings).IsFailure);
        Assert.Equal(1200.5, device.Telemetry!.EnergyJ);
        Assert.Equal(BurnInLevel.Quick, result.Options.Level);
    }
}
