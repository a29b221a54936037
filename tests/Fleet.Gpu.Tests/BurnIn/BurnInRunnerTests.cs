using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Telemetry;
using Fleet.Gpu.Tests.Backends;
using Json.Schema;

namespace Fleet.Gpu.Tests.BurnIn;

public class BurnInRunnerTests(CpuFixture fixture) : IClassFixture<CpuFixture>
{
    // JsonSchema.Net registers a schema's $id globally: build it once, from the repository file.
    private static readonly Lazy<JsonSchema> s_schema = new(() => JsonSchema.FromText(File.ReadAllText(SchemaPath())));

    private static BurnInSettings Tiny(FaultKind fault = FaultKind.None) => new()
    {
        Plan = BurnInPlan.For(BurnInLevel.Quick, TimeSpan.FromMilliseconds(40)),
        Fault = new FaultPlan(fault),
        MatmulSize = 16,
        PatternBytes = 16 * 1024,
        BandwidthBytes = 64 * 1024,
        DeviceSelector = "cpu",
        ToolVersion = "test",
    };

    private Task<BurnInResult> Run(BurnInSettings settings, CancellationToken ct = default) =>
        new BurnInRunner(TimeProvider.System).RunAsync([fixture.Backend], settings, null, ct);

    [Fact]
    public async Task RunAsync_HealthyCpuAccelerator_PassesWithEveryPhase()
    {
        var result = await Run(Tiny());
        var device = Assert.Single(result.Devices);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.True(result.Complete);
        Assert.Empty(device.Findings);
        Assert.Equal(fixture.Backend.StressPrecisions, device.Gemm.Select(g => g.Precision));
        Assert.All(device.Gemm, g => Assert.True(g.Products >= 2));
        Assert.Equal(0, device.Memory!.Errors);
        Assert.True(device.Bandwidth!.DeviceToDeviceGBs > 0);
        Assert.False(device.Telemetry!.Available);
        Assert.Equal(BurnInResult.SchemaId, result.Schema);
    }

    [Theory]
    [InlineData(FaultKind.Gemm, FindingCodes.GemmMismatch)]
    [InlineData(FaultKind.Nan, FindingCodes.NanDetected)]
    [InlineData(FaultKind.Memory, FindingCodes.MemoryError)]
    public async Task RunAsync_InjectedFault_FailsWithMatchingFinding(FaultKind fault, string code)
    {
        var result = await Run(Tiny(fault));
        var device = Assert.Single(result.Devices);
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal(Verdict.Fail, device.Verdict);
        Assert.Contains(device.Findings, f => f.Code == code && f.IsFailure);
        Assert.Equal(fault, result.Options.InjectFault);
    }

    [Fact]
    public async Task RunAsync_CancelledBeforeStart_PartialResultMarkedIncomplete()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var result = await Run(Tiny(), cts.Token);
        Assert.False(result.Complete);
        Assert.False(Assert.Single(result.Devices).Complete);
        Assert.Equal(Verdict.Pass, result.Verdict); // nothing failed; the caller reports "could not complete"
    }

    [Fact]
    public async Task Json_RealRunWithFault_RoundTripsAndValidatesAgainstSchemaFile()
    {
        var result = await Run(Tiny(FaultKind.Memory));
        var json = BurnInJson.Serialize(result);

        var schema = s_schema.Value;
        var evaluation = schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        var back = BurnInJson.Deserialize(json);
        Assert.Equal(result.RunId, back.RunId);
        Assert.Equal(result.Verdict, back.Verdict);
        var device = Assert.Single(back.Devices);
        Assert.Equal(result.Devices[0].Memory!.ErrorRecords.Select(r => (r.Address, r.Expected, r.Actual, r.Reread)), device.Memory!.ErrorRecords.Select(r => (r.Address, r.Expected, r.Actual, r.Reread)));
        Assert.Equal(result.Devices[0].Findings.Select(f => f.Code), device.Findings.Select(f => f.Code));
        Assert.Equal(json, BurnInJson.Serialize(back));
    }

    [Fact]
    public async Task Json_SchemaRejectsBrokenResults()
    {
        var json = BurnInJson.Serialize(await Run(Tiny()));
        var schema = s_schema.Value;

        var badVerdict = JsonNode.Parse(json)!;
        badVerdict["verdict"] = "maybe";
        Assert.False(schema.Evaluate(JsonDocument.Parse(badVerdict.ToJsonString()).RootElement).IsValid);

        var missingDevices = JsonNode.Parse(json)!.AsObject();
        missingDevices.Remove("devices");
        Assert.False(schema.Evaluate(JsonDocument.Parse(missingDevices.ToJsonString()).RootElement).IsValid);

        var wrongSchema = JsonNode.Parse(json)!;
        wrongSchema["schema"] = "fleet.burnin/v2";
        Assert.False(schema.Evaluate(JsonDocument.Parse(wrongSchema.ToJsonString()).RootElement).IsValid);
    }

    [Fact]
    public async Task Json_ResultWithFullGpuTelemetry_ValidatesAgainstSchema()
    {
        var real = await Run(Tiny(FaultKind.Gemm));
        var t0 = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        TelemetrySnapshot Snap(int s) => new()
        {
            At = t0.AddSeconds(s), TemperatureC = 70 + s, SlowdownTemperatureC = 87, MaxOperatingTemperatureC = 85, ShutdownTemperatureC = 92,
            PowerW = 690.5, PowerLimitW = 700, EnergyJ = 1e6 + s, SmClockMhz = 1980, MemoryClockMhz = 2619, MaxSmClockMhz = 1980,
            ClockEventReasons = 0x4, EccCorrectedVolatile = 1, EccUncorrectedVolatile = 0, EccCorrectedAggregate = 10, EccUncorrectedAggregate = 0,
            RemappedRowsCorrectable = 0, RemappedRowsUncorrectable = 0, RowRemapPending = false, RowRemapFailed = false,
            RetiredPagesSingleBit = 0, RetiredPagesDoubleBit = 0, PcieReplayCounter = 0, PcieLinkGeneration = 5, PcieLinkWidth = 16, XidErrors = s == 5 ? [79] : [],
        };
        var device = real.Devices[0] with
        {
            Device = real.Devices[0].Device with
            {
                Id = "0", Kind = DeviceKind.Cuda, CudaIndex = 0, Name = "NVIDIA H100 80GB HBM3", ComputeCapability = "9.0", ClockMhz = 1980,
                MemoryClockMhz = 2619, MemoryBusWidthBits = 5120, PciBusId = "00000000:1B:00.0", Uuid = "GPU-0f2a", Serial = "1650123456789",
                BoardPartNumber = "692-2G520-0200-000", VbiosVersion = "96.00.74.00.01", InforomVersion = "G520.0200.00.05", DriverVersion = "550.54.15",
                PcieLinkGenerationCurrent = 5, PcieLinkGenerationMax = 5, PcieLinkWidthCurrent = 16, PcieLinkWidthMax = 16, CatalogModel = "H100 SXM5 80GB",
            },
            Telemetry = TelemetrySampler.Summarise(new FixedSource(), TimeSpan.FromSeconds(5), Snap(0), Snap(10), [Snap(5)]),
        };
        var json = BurnInJson.Serialize(real with { Devices = [device] });
        var evaluation = s_schema.Value.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        Assert.Equal(79UL, Assert.Single(BurnInJson.Deserialize(json).Devices[0].Telemetry!.XidErrors));
    }

    private sealed class FixedSource : ITelemetrySource
    {
        public bool IsAvailable => true;
        public string? UnavailableReason => null;
        public TelemetrySnapshot Read(DateTimeOffset at) => new() { At = at };
        public void Dispose()
        {
        }
    }

    [Fact]
    public void SchemaText_EmbeddedCopy_EqualsRepositoryFile()
    {
        Assert.Equal(File.ReadAllText(SchemaPath()), BurnInJson.SchemaText());
    }

    private static string SchemaPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "src", "Fleet.Domain", "Contracts", "BurnIn", "burnin-result.v1.schema.json")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new FileNotFoundException("repository root not found"), "src", "Fleet.Domain", "Contracts", "BurnIn", "burnin-result.v1.schema.json");
    }
}
