using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Native;
using Fleet.Gpu.Telemetry;

namespace Fleet.Gpu.Tests.BurnIn;

public class VerdictPolicyTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly VerdictPolicy _policy = new();

    private static GpuDeviceInfo H100(string id = "0") => new()
    {
        Id = id,
        Kind = DeviceKind.Cuda,
        CudaIndex = 0,
        Name = "NVIDIA H100 80GB HBM3",
        CatalogModel = "H100 SXM5 80GB",
        PcieLinkGenerationMax = 5,
        PcieLinkWidthMax = 16,
    };

    private static TelemetrySnapshot Healthy(int second) => new()
    {
        At = s_t0.AddSeconds(second),
        TemperatureC = 65,
        SlowdownTemperatureC = 87,
        MaxOperatingTemperatureC = 85,
        PowerW = 650,
        PowerLimitW = 700,
        EccCorrectedVolatile = 0,
        EccUncorrectedVolatile = 0,
        PcieReplayCounter = 0,
        RowRemapPending = false,
        RowRemapFailed = false,
        ClockEventReasons = 0,
        PcieLinkGeneration = 5,
        PcieLinkWidth = 16,
    };

    private static GemmStressMetrics Bf16(double tflops) => new()
    {
        Precision = Precision.Bf16,
        Engine = "cublas",
        Size = 8192,
        Products = 1000,
        Gflops = tflops * 1000,
        Reference = new ReferenceCheckMetrics(),
    };

    private static DeviceEvaluation Eval(TelemetrySnapshot? before = null, TelemetrySnapshot? after = null, IReadOnlyList<TelemetrySnapshot>? samples = null,
        IReadOnlyList<GemmStressMetrics>? gemm = null, GpuDeviceInfo? device = null) => new()
    {
        Device = device ?? H100(),
        Before = before ?? Healthy(0),
        After = after ?? Healthy(60),
        Samples = samples ?? [Healthy(5), Healthy(10)],
        Gemm = gemm ?? [Bf16(730)],
    };

    private IReadOnlyList<Finding> Judge(DeviceEvaluation e) => _policy.Evaluate(e, [e]);

    [Fact]
    public void Evaluate_HealthyTelemetryAndSpeed_NoFindingsAndPass()
    {
        var findings = Judge(Eval());
        Assert.Empty(findings);
        Assert.Equal(Verdict.Pass, VerdictPolicy.VerdictOf(findings));
    }

    [Theory]
    [InlineData(ClockEventReasons.HwSlowdown, FindingCodes.HwSlowdown)]
    [InlineData(ClockEventReasons.HwThermalSlowdown, FindingCodes.ThermalSlowdown)]
    [InlineData(ClockEventReasons.SwThermalSlowdown, FindingCodes.ThermalSlowdown)]
    [InlineData(ClockEventReasons.HwPowerBrakeSlowdown, FindingCodes.PowerBrake)]
    public void Evaluate_HardwareClockEventInOneSample_FailsWithMatchingCode(ClockEventReasons reason, string code)
    {
        var findings = Judge(Eval(samples: [Healthy(5), Healthy(10) with { ClockEventReasons = (ulong)reason }, Healthy(15)]));
        var f = Assert.Single(findings);
        Assert.Equal(code, f.Code);
        Assert.True(f.IsFailure);
        Assert.Equal(1, f.Evidence!["samplesWithReason"].GetInt32());
        Assert.Equal(5, f.Evidence["samples"].GetInt32()); // before + 3 samples + after
    }

    [Fact]
    public void Evaluate_SoftwarePowerCapOnly_InformationNotFailure()
    {
        var capped = (ulong)ClockEventReasons.SwPowerCap;
        var findings = Judge(Eval(samples: [Healthy(5) with { ClockEventReasons = capped }, Healthy(10) with { ClockEventReasons = capped }]));
        var f = Assert.Single(findings);
        Assert.Equal(FindingCodes.PowerCapped, f.Code);
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(Verdict.Pass, VerdictPolicy.VerdictOf(findings));
    }

    [Fact]
    public void Evaluate_UncorrectableEccDelta_CriticalFinding()
    {
        var findings = Judge(Eval(before: Healthy(0) with { EccUncorrectedVolatile = 2 }, after: Healthy(60) with { EccUncorrectedVolatile = 3 }));
        var f = Assert.Single(findings);
        Assert.Equal(FindingCodes.EccUncorrectable, f.Code);
        Assert.Equal(Severity.Critical, f.Severity);
    }

    [Fact]
    public void Evaluate_UncorrectableEccUnchangedSinceBefore_NotAFinding()
    {
        // Old errors from before the run are history, not this run's result: only deltas count.
        Assert.Empty(Judge(Eval(before: Healthy(0) with { EccUncorrectedVolatile = 4 }, after: Healthy(60) with { EccUncorrectedVolatile = 4 })));
    }

    [Fact]
    public void Evaluate_ManyCorrectableEcc_WarningOnly()
    {
        var findings = Judge(Eval(after: Healthy(60) with { EccCorrectedVolatile = 150 }));
        var f = Assert.Single(findings);
        Assert.Equal(FindingCodes.EccCorrectableHigh, f.Code);
        Assert.False(f.IsFailure);
    }

    [Fact]
    public void Evaluate_RowRemapPendingAndFailed_BothReported()
    {
        var findings = Judge(Eval(after: Healthy(60) with { RowRemapPending = true, RowRemapFailed = true, RemappedRowsUncorrectable = 9 }));
        Assert.Contains(findings, f => f.Code == FindingCodes.RowRemapPending && f.Severity == Severity.Error);
        Assert.Contains(findings, f => f.Code == FindingCodes.RowRemapFailed && f.Severity == Severity.Critical);
    }

    [Fact]
    public void Evaluate_TemperatureAboveMaxOperating_Fails()
    {
        var findings = Judge(Eval(samples: [Healthy(5) with { TemperatureC = 91 }]));
        var f = Assert.Single(findings);
        Assert.Equal(FindingCodes.TemperatureOverLimit, f.Code);
        Assert.Equal(91, f.Evidence!["temperatureC"].GetDouble());
        Assert.Equal(85, f.Evidence["limitC"].GetDouble());
    }

    [Theory]
    [InlineData(3u, Severity.Warning)]
    [InlineData(20u, Severity.Error)]
    public void Evaluate_PcieReplays_WarnThenFailAboveThreshold(uint replays, Severity expected)
    {
        var f = Assert.Single(Judge(Eval(after: Healthy(60) with { PcieReplayCounter = replays })));
        Assert.Equal(FindingCodes.PcieReplays, f.Code);
        Assert.Equal(expected, f.Severity);
    }

    [Fact]
    public void Evaluate_XidDuringRun_Critical()
    {
        var f = Assert.Single(Judge(Eval(samples: [Healthy(5) with { XidErrors = [79] }])));
        Assert.Equal(FindingCodes.XidError, f.Code);
        Assert.Contains("79", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Bf16BelowHalfOfSpec_PerfBelowFloor()
    {
        // H100 SXM BF16 spec is 989 TFLOP/s; half is 494.5.
        var f = Assert.Single(Judge(Eval(gemm: [Bf16(480)])));
        Assert.Equal(FindingCodes.PerfBelowFloor, f.Code);
        Assert.Equal(989, f.Evidence!["specTflops"].GetDouble());
        Assert.Empty(Judge(Eval(gemm: [Bf16(500)])));
    }

    [Fact]
    public void Evaluate_OwnKernelsOrSmallProducts_NotJudgedForSpeed()
    {
        Assert.Empty(Judge(Eval(gemm: [Bf16(1) with { Engine = "ilgpu-tiled" }])));
        Assert.Empty(Judge(Eval(gemm: [Bf16(1) with { Size = 1024 }])));
    }

    [Fact]
    public void Evaluate_OneCardFarBelowItsPeers_OnlyThatCardFlagged()
    {
        var run = new[] { 730.0, 720, 740, 600 }.Select((t, i) => Eval(gemm: [Bf16(t)], device: H100(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();
        var findings = run.Select(e => _policy.Evaluate(e, run)).ToList();
        Assert.Empty(findings[0]);
        Assert.Empty(findings[1]);
        Assert.Empty(findings[2]);
        var f = Assert.Single(findings[3]);
        Assert.Equal(FindingCodes.PerfBelowPeers, f.Code);
        Assert.Equal(725, f.Evidence!["peerMedianTflops"].GetDouble(), 6); // median of 600, 720, 730, 740
    }

    [Fact]
    public void Evaluate_GemmAndMemoryErrors_EachReportedWithEvidence()
    {
        var e = Eval(gemm: [Bf16(730) with { RepeatMismatches = 2, NonFinite = 1, Reference = new ReferenceCheckMetrics { SampleMismatches = 1 } }]) with
        {
            Memory = new MemoryTestMetrics
            {
                Errors = 3,
                Passes = [new MemoryPassMetrics("modulo20(0xFFFFFFFF)", 3, 1)],
                ErrorRecords = [new MemoryErrorRecord { Pattern = "modulo20(0xFFFFFFFF)", Address = 0x40, Expected = 0xFFFFFFFF, Actual = 0xFFFFFFDF, Reread = 0xFFFFFFDF }],
            },
        };
        var codes = Judge(e).Select(f => f.Code).ToList();
        Assert.Equal([FindingCodes.GemmMismatch, FindingCodes.GemmReferenceMismatch, FindingCodes.NanDetected, FindingCodes.MemoryError], codes);
        var memory = Judge(e).Single(f => f.Code == FindingCodes.MemoryError);
        Assert.Equal(0x40, memory.Evidence!["firstAddress"].GetInt64());
        Assert.Contains("0x40", memory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoTelemetry_JudgesMetricsOnly()
    {
        var cpu = new DeviceEvaluation { Device = new GpuDeviceInfo { Id = "cpu", Kind = DeviceKind.Cpu, Name = "cpu" }, Before = new TelemetrySnapshot { At = s_t0 }, After = new TelemetrySnapshot { At = s_t0 } };
        Assert.Empty(Judge(cpu));
    }
}
