using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Native;
using Fleet.Gpu.Telemetry;

namespace Fleet.Gpu.BurnIn;

/// <summary>The thresholds the verdict applies (defaults follow DCGM's diagnostics and the field figures in measured.md).</summary>
public sealed record VerdictThresholds
{
    /// <summary>Matrix throughput below this fraction of the catalog's dense peak fails (cards reach 74–87 %).</summary>
    public double PerfFloorFraction { get; init; } = 0.5;
    /// <summary>Throughput more than this fraction below the median of the same model in the run fails (spread is ~5 %).</summary>
    public double PeerShortfallFraction { get; init; } = 0.10;
    /// <summary>Peers of one model needed before the peer check applies.</summary>
    public int MinPeers { get; init; } = 3;
    /// <summary>Products smaller than this edge are too small to judge throughput.</summary>
    public int MinPerfSize { get; init; } = 4096;
    /// <summary>Engines whose throughput is comparable with the datasheet (vendor libraries, not Fleet's own kernels).</summary>
    public IReadOnlySet<string> PerfEngines { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "cublas" };
    /// <summary>Device-to-device copy below this fraction of datasheet bandwidth fails (cards reach 65–82 %).</summary>
    public double BandwidthFloorFraction { get; init; } = 0.5;
    /// <summary>Device-to-device transfers smaller than this are too small to judge bandwidth.</summary>
    public long MinBandwidthBytes { get; init; } = 256L << 20;
    /// <summary>PCIe replays during the run above which the device fails (any replay is a warning).</summary>
    public long PcieReplayFailThreshold { get; init; } = 8;
    /// <summary>Correctable ECC errors during the run that earn a warning.</summary>
    public long EccCorrectableWarnThreshold { get; init; } = 100;
    /// <summary>Retired pages (pre-Ampere) at which the card is due for replacement (DCGM: 63).</summary>
    public long RetiredPagesLimit { get; init; } = 63;
}

/// <summary>What the policy judges for one device: its metrics and its telemetry.</summary>
public sealed record DeviceEvaluation
{
    public required GpuDeviceInfo Device { get; init; }
    public IReadOnlyList<GemmStressMetrics> Gemm { get; init; } = [];
    public MemoryTestMetrics? Memory { get; init; }
    public BandwidthMetrics? Bandwidth { get; init; }
    public TelemetrySnapshot? Before { get; init; }
    public TelemetrySnapshot? After { get; init; }
    public IReadOnlyList<TelemetrySnapshot> Samples { get; init; } = [];
}

/// <summary>
/// The verdict: a pure function of metrics, telemetry and the catalog to findings. A software power cap is information,
/// not a failure; hardware slowdown, thermal slowdown and power brake are failures, as DCGM treats them.
/// </summary>
public sealed class VerdictPolicy(VerdictThresholds thresholds)
{
    /// <summary>The policy with default thresholds.</summary>
    public VerdictPolicy()
        : this(new VerdictThresholds())
    {
    }

    public VerdictThresholds Thresholds { get; } = thresholds;

    /// <summary>Findings for <paramref name="device"/>; <paramref name="run"/> is every device in the run (for the peer check).</summary>
    public IReadOnlyList<Finding> Evaluate(DeviceEvaluation device, IReadOnlyList<DeviceEvaluation> run)
    {
        var findings = new List<Finding>();
        Correctness(device, findings);
        Telemetry(device, findings);
        Performance(device, run, findings);
        return findings;
    }

    /// <summary>Fail when any finding is an error or worse.</summary>
    public static Verdict VerdictOf(IEnumerable<Finding> findings) => findings.Any(f => f.IsFailure) ? Verdict.Fail : Verdict.Pass;

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string P(Precision p) => p.ToString().ToLowerInvariant();

    private static void Correctness(DeviceEvaluation d, List<Finding> findings)
    {
        foreach (var g in d.Gemm)
        {
            if (g.RepeatMismatches > 0)
            {
                findings.Add(new(FindingCodes.GemmMismatch, Severity.Critical,
                    $"{P(g.Precision)} products disagreed with the first product in {g.RepeatMismatches} elements",
                    Finding.EvidenceOf(("precision", g.Precision), ("mismatches", g.RepeatMismatches), ("compared", g.ComparedElements), ("products", g.Products), ("tolerance", g.RepeatTolerance))));
            }

            if (g.Reference is { } r && (r.ColumnChecksumMismatches + r.RowChecksumMismatches + r.SampleMismatches) > 0)
            {
                findings.Add(new(FindingCodes.GemmReferenceMismatch, Severity.Critical,
                    $"{P(g.Precision)} product disagrees with the host reference (checksums and sampled elements)",
                    Finding.EvidenceOf(("precision", g.Precision), ("columnChecksumMismatches", r.ColumnChecksumMismatches), ("rowChecksumMismatches", r.RowChecksumMismatches),
                        ("sampleMismatches", r.SampleMismatches), ("maxRelativeError", r.MaxRelativeError), ("tolerance", r.Tolerance))));
            }

            if (g.NonFinite > 0)
            {
                findings.Add(new(FindingCodes.NanDetected, Severity.Critical,
                    $"{g.NonFinite} NaN/Inf elements in {P(g.Precision)} products of finite inputs",
                    Finding.EvidenceOf(("precision", g.Precision), ("nonFinite", g.NonFinite))));
            }
        }

        if (d.Memory is { Errors: > 0 } m)
        {
            var first = m.ErrorRecords.FirstOrDefault();
            findings.Add(new(FindingCodes.MemoryError, Severity.Critical,
                first is null ? $"{m.Errors} memory errors" : string.Create(CultureInfo.InvariantCulture,
                    $"{m.Errors} memory errors; first at byte 0x{first.Address:X} ({first.Pattern}): expected 0x{first.Expected:X8}, read 0x{first.Actual:X8}, re-read 0x{first.Reread:X8}"),
                Finding.EvidenceOf(("errors", m.Errors), ("firstAddress", first?.Address), ("firstExpected", first?.Expected), ("firstActual", first?.Actual), ("firstReread", first?.Reread),
                    ("patterns", m.Passes.Where(p => p.Errors > 0).Select(p => p.Pattern).ToList()))));
        }
    }

    private void Telemetry(DeviceEvaluation d, List<Finding> findings)
    {
        var all = new List<TelemetrySnapshot>();
        if (d.Before is not null)
        {
            all.Add(d.Before);
        }

        all.AddRange(d.Samples);
        if (d.After is not null)
        {
            all.Add(d.After);
        }

        if (d.Before is { } before && d.After is { } after)
        {
            if (Delta(before.EccUncorrectedVolatile, after.EccUncorrectedVolatile) is > 0 and var unc)
            {
                findings.Add(new(FindingCodes.EccUncorrectable, Severity.Critical, $"{unc} uncorrectable (double-bit) ECC errors during the run",
                    Finding.EvidenceOf(("before", before.EccUncorrectedVolatile), ("after", after.EccUncorrectedVolatile))));
            }

            if (Delta(before.EccCorrectedVolatile, after.EccCorrectedVolatile) is { } corr && corr >= Thresholds.EccCorrectableWarnThreshold)
            {
                findings.Add(new(FindingCodes.EccCorrectableHigh, Severity.Warning, $"{corr} correctable ECC errors during the run",
                    Finding.EvidenceOf(("before", before.EccCorrectedVolatile), ("after", after.EccCorrectedVolatile), ("threshold", Thresholds.EccCorrectableWarnThreshold))));
            }

            if (Delta(before.PcieReplayCounter, after.PcieReplayCounter) is > 0 and var replays)
            {
                var fail = replays > Thresholds.PcieReplayFailThreshold;
                findings.Add(new(FindingCodes.PcieReplays, fail ? Severity.Error : Severity.Warning, $"{replays} PCIe replays during the run",
                    Finding.EvidenceOf(("before", before.PcieReplayCounter), ("after", after.PcieReplayCounter), ("failThreshold", Thresholds.PcieReplayFailThreshold))));
            }
        }

        if (all.Any(s => s.RowRemapFailed == true))
        {
            findings.Add(new(FindingCodes.RowRemapFailed, Severity.Critical, "row remapping has failed: the card has run out of spare rows",
                Finding.EvidenceOf(("uncorrectableRemaps", all.Last(s => s.RowRemapFailed == true).RemappedRowsUncorrectable))));
        }

        if (all.Any(s => s.RowRemapPending == true))
        {
            findings.Add(new(FindingCodes.RowRemapPending, Severity.Error, "a row remap is pending: reset the GPU, then run burn-in again",
                Finding.EvidenceOf(("correctableRemaps", all.Last(s => s.RowRemapPending == true).RemappedRowsCorrectable), ("uncorrectableRemaps", all.Last(s => s.RowRemapPending == true).RemappedRowsUncorrectable))));
        }

        var retired = all.Select(s => (long?)((s.RetiredPagesSingleBit ?? 0) + (s.RetiredPagesDoubleBit ?? 0))).Max() ?? 0;
        if (retired >= Thresholds.RetiredPagesLimit)
        {
            findings.Add(new(FindingCodes.RetiredPagesLimit, Severity.Error, $"{retired} retired pages (limit {Thresholds.RetiredPagesLimit})",
                Finding.EvidenceOf(("retiredPages", retired), ("limit", Thresholds.RetiredPagesLimit))));
        }

        var reasons = all.Aggregate(0UL, (acc, s) => acc | (s.ClockEventReasons ?? 0));
        void Reason(ClockEventReasons bits, string code, Severity severity, string message)
        {
            if ((reasons & (ulong)bits) != 0)
            {
                var hits = all.Count(s => ((s.ClockEventReasons ?? 0) & (ulong)bits) != 0);
                findings.Add(new(code, severity, message, Finding.EvidenceOf(("samplesWithReason", hits), ("samples", all.Count), ("reasonBits", string.Create(CultureInfo.InvariantCulture, $"0x{reasons:X}")))));
            }
        }

        Reason(ClockEventReasons.HwSlowdown, FindingCodes.HwSlowdown, Severity.Error, "hardware slowdown (HW_SLOWDOWN) clock events during the run");
        Reason(ClockEventReasons.HwThermalSlowdown | ClockEventReasons.SwThermalSlowdown, FindingCodes.ThermalSlowdown, Severity.Error, "thermal slowdown clock events during the run");
        Reason(ClockEventReasons.HwPowerBrakeSlowdown, FindingCodes.PowerBrake, Severity.Error, "power-brake slowdown (external power brake asserted) during the run");
        Reason(ClockEventReasons.SwPowerCap, FindingCodes.PowerCapped, Severity.Info, "clocks held by the software power cap (expected under full load; not a failure)");

        var hottest = all.Where(s => s.TemperatureC is not null).MaxBy(s => s.TemperatureC);
        if (hottest is { TemperatureC: { } t })
        {
            var limit = hottest.MaxOperatingTemperatureC ?? hottest.SlowdownTemperatureC;
            if (limit is { } l && t > l)
            {
                findings.Add(new(FindingCodes.TemperatureOverLimit, Severity.Error, $"temperature {F(t)} °C above the limit {F(l)} °C",
                    Finding.EvidenceOf(("temperatureC", t), ("limitC", l), ("at", hottest.At))));
            }
        }

        var xids = all.SelectMany(s => s.XidErrors).ToList();
        if (xids.Count > 0)
        {
            findings.Add(new(FindingCodes.XidError, Severity.Critical, $"Xid errors during the run: {string.Join(", ", xids)}",
                Finding.EvidenceOf(("xids", xids))));
        }

        var loaded = d.Samples.Where(s => s.PcieLinkGeneration is not null).ToList();
        if (loaded.Count > 0 && (d.Device.PcieLinkGenerationMax is { } maxGen && loaded.Max(s => s.PcieLinkGeneration) < maxGen
            || d.Device.PcieLinkWidthMax is { } maxWidth && loaded.Max(s => s.PcieLinkWidth) < maxWidth))
        {
            findings.Add(new(FindingCodes.PcieLinkDegraded, Severity.Warning, "PCIe link below its maximum generation or width under load",
                Finding.EvidenceOf(("generation", loaded.Max(s => s.PcieLinkGeneration)), ("maxGeneration", d.Device.PcieLinkGenerationMax),
                    ("width", loaded.Max(s => s.PcieLinkWidth)), ("maxWidth", d.Device.PcieLinkWidthMax))));
        }
    }

    private void Performance(DeviceEvaluation d, IReadOnlyList<DeviceEvaluation> run, List<Finding> findings)
    {
        var model = d.Device.CatalogModel is { } name ? GpuCatalog.Find(name) : null;
        foreach (var g in d.Gemm.Where(g => Thresholds.PerfEngines.Contains(g.Engine) && g.Size >= Thresholds.MinPerfSize && g.Gflops > 0))
        {
            if (model?.PeakTflops(g.Precision) is { } peak && peak > 0 && g.Gflops / 1000 < Thresholds.PerfFloorFraction * peak)
            {
                findings.Add(new(FindingCodes.PerfBelowFloor, Severity.Error,
                    $"{P(g.Precision)} {F(g.Gflops / 1000)} TFLOP/s is below {F(Thresholds.PerfFloorFraction * 100)} % of the {model.Name} spec ({F(peak)} TFLOP/s)",
                    Finding.EvidenceOf(("precision", g.Precision), ("tflops", g.Gflops / 1000), ("specTflops", peak), ("floorFraction", Thresholds.PerfFloorFraction))));
            }

            var peers = run.Where(p => p.Device.CatalogModel == d.Device.CatalogModel && d.Device.CatalogModel is not null)
                .SelectMany(p => p.Gemm.Where(x => x.Precision == g.Precision && x.Engine == g.Engine && x.Size == g.Size && x.Gflops > 0))
                .Select(x => x.Gflops).Order().ToList();
            if (peers.Count >= Thresholds.MinPeers)
            {
                var median = peers.Count % 2 == 1 ? peers[peers.Count / 2] : (peers[(peers.Count / 2) - 1] + peers[peers.Count / 2]) / 2;
                if (g.Gflops < (1 - Thresholds.PeerShortfallFraction) * median)
                {
                    findings.Add(new(FindingCodes.PerfBelowPeers, Severity.Error,
                        $"{P(g.Precision)} {F(g.Gflops / 1000)} TFLOP/s is more than {F(Thresholds.PeerShortfallFraction * 100)} % below the median of {peers.Count} {d.Device.CatalogModel} cards ({F(median / 1000)} TFLOP/s)",
                        Finding.EvidenceOf(("precision", g.Precision), ("tflops", g.Gflops / 1000), ("peerMedianTflops", median / 1000), ("peers", peers.Count))));
                }
            }
        }

        if (d.Bandwidth is { } bw && model is not null && bw.Bytes >= Thresholds.MinBandwidthBytes
            && bw.DeviceToDeviceGBs < Thresholds.BandwidthFloorFraction * model.MemoryBandwidthTbs * 1000)
        {
            findings.Add(new(FindingCodes.BandwidthBelowFloor, Severity.Error,
                $"device-to-device copy {F(bw.DeviceToDeviceGBs)} GB/s is below {F(Thresholds.BandwidthFloorFraction * 100)} % of the {model.Name} spec ({F(model.MemoryBandwidthTbs * 1000)} GB/s)",
                Finding.EvidenceOf(("gbs", bw.DeviceToDeviceGBs), ("specGbs", model.MemoryBandwidthTbs * 1000), ("floorFraction", Thresholds.BandwidthFloorFraction))));
        }
    }

    private static long? Delta(ulong? before, ulong? after) => before is { } b && after is { } a ? (long)(a - b) : null;

    private static long? Delta(uint? before, uint? after) => before is { } b && after is { } a ? (long)a - b : null;
}
