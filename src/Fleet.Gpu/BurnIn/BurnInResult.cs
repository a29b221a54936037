using System.Text.Json;
using System.Text.Json.Serialization;
using Fleet.Domain.Catalog;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Telemetry;

namespace Fleet.Gpu.BurnIn;

/// <summary>Pass or fail, per device and for the run.</summary>
public enum Verdict
{
    Pass,
    Fail,
}

/// <summary>How bad a finding is; Error and Critical fail the device, Warning and Info do not.</summary>
public enum Severity
{
    Info,
    Warning,
    Error,
    Critical,
}

/// <summary>Burn-in depth, like DCGM's levels: quick ~1 min, standard ~15 min, extended adds the long memory patterns.</summary>
public enum BurnInLevel
{
    Quick,
    Standard,
    Extended,
}

/// <summary>A deliberate fault, to prove the checks catch what they claim to.</summary>
public enum FaultKind
{
    None,
    Gemm,
    Memory,
    Nan,
}

/// <summary>Stable finding codes (the API and the web app key on them; never rename).</summary>
public static class FindingCodes
{
    public const string GemmMismatch = "GEMM_MISMATCH";
    public const string GemmReferenceMismatch = "GEMM_REFERENCE_MISMATCH";
    public const string NanDetected = "NAN_DETECTED";
    public const string MemoryError = "MEMORY_ERROR";
    public const string EccUncorrectable = "ECC_UNCORRECTABLE";
    public const string EccCorrectableHigh = "ECC_CORRECTABLE_HIGH";
    public const string RowRemapPending = "ROW_REMAP_PENDING";
    public const string RowRemapFailed = "ROW_REMAP_FAILED";
    public const string RetiredPagesLimit = "RETIRED_PAGES_LIMIT";
    public const string HwSlowdown = "HW_SLOWDOWN";
    public const string ThermalSlowdown = "THERMAL_SLOWDOWN";
    public const string PowerBrake = "POWER_BRAKE";
    public const string PowerCapped = "POWER_CAPPED";
    public const string TemperatureOverLimit = "TEMPERATURE_OVER_LIMIT";
    public const string PerfBelowFloor = "PERF_BELOW_FLOOR";
    public const string PerfBelowPeers = "PERF_BELOW_PEERS";
    public const string BandwidthBelowFloor = "BANDWIDTH_BELOW_FLOOR";
    public const string PcieReplays = "PCIE_REPLAYS";
    public const string PcieLinkDegraded = "PCIE_LINK_DEGRADED";
    public const string XidError = "XID_ERROR";
    public const string TestError = "TEST_ERROR";
}

/// <summary>One problem found on a device, with the numbers that show it.</summary>
public sealed record Finding(string Code, Severity Severity, string Message, IReadOnlyDictionary<string, JsonElement>? Evidence = null)
{
    /// <summary>True where this finding fails the device.</summary>
    [JsonIgnore]
    public bool IsFailure => Severity >= Severity.Error;

    /// <summary>Builds the evidence map from name/value pairs (numbers, strings, booleans).</summary>
    public static IReadOnlyDictionary<string, JsonElement> EvidenceOf(params (string Key, object? Value)[] items) =>
        items.Where(i => i.Value is not null).ToDictionary(i => i.Key, i => JsonSerializer.SerializeToElement(i.Value, BurnInJson.Options));
}

/// <summary>The independent reference check of a stress precision's first product.</summary>
public sealed record ReferenceCheckMetrics
{
    public long ColumnChecksumMismatches { get; init; }
    public long RowChecksumMismatches { get; init; }
    public long SampleMismatches { get; init; }
    public int SampleSize { get; init; }
    public double MaxRelativeError { get; init; }
    public double Tolerance { get; init; }
}

/// <summary>Matrix-product stress for one precision.</summary>
public sealed record GemmStressMetrics
{
    public required Precision Precision { get; init; }
    public required string Engine { get; init; }
    public int Size { get; init; }
    /// <summary>Result matrices kept per round (filling the stress share of free memory).</summary>
    public int ResultsPerRound { get; init; }
    public long Rounds { get; init; }
    /// <summary>Products computed (64-bit: long runs on fast cards overflow 32-bit counters).</summary>
    public long Products { get; init; }
    /// <summary>Wall time of this precision's stress, including the host reference check and the comparisons.</summary>
    public double ElapsedSeconds { get; init; }
    /// <summary>Throughput of the stress rounds' products alone (synchronised; host check and comparisons excluded).</summary>
    public double Gflops { get; init; }
    /// <summary>Elements of repeated products differing from the first beyond tolerance.</summary>
    public long RepeatMismatches { get; init; }
    public long ComparedElements { get; init; }
    /// <summary>NaN or Inf elements seen in any product.</summary>
    public long NonFinite { get; init; }
    public double RepeatTolerance { get; init; }
    public ReferenceCheckMetrics? Reference { get; init; }
}

/// <summary>One memory error: where, what was written, what was read, what a second read returned.</summary>
public sealed record MemoryErrorRecord
{
    public required string Pattern { get; init; }
    /// <summary>Byte offset from the start of the tested region.</summary>
    public long Address { get; init; }
    /// <summary>Device virtual address (hex) where known.</summary>
    public string? DeviceAddress { get; init; }
    public uint Expected { get; init; }
    public uint Actual { get; init; }
    /// <summary>A second read: equal to Actual means the wrong value is stored; equal to Expected means a transient read error.</summary>
    public uint Reread { get; init; }
    public long Block { get; init; }
}

/// <summary>One pattern pass.</summary>
public sealed record MemoryPassMetrics(string Pattern, long Errors, double Seconds);

/// <summary>Memory-pattern test over most of free memory.</summary>
public sealed record MemoryTestMetrics
{
    public long BytesTested { get; init; }
    public long BlockBytes { get; init; }
    public long Errors { get; init; }
    public IReadOnlyList<MemoryPassMetrics> Passes { get; init; } = [];
    /// <summary>The first few errors of each bad block.</summary>
    public IReadOnlyList<MemoryErrorRecord> ErrorRecords { get; init; } = [];
    public double ElapsedSeconds { get; init; }
}

/// <summary>Copy bandwidths, GB/s (10⁹ bytes). Device-to-device counts bytes read plus bytes written.</summary>
public sealed record BandwidthMetrics
{
    public long Bytes { get; init; }
    public double DeviceToDeviceGBs { get; init; }
    public double HostToDeviceGBs { get; init; }
    public double DeviceToHostGBs { get; init; }
    /// <summary>Whether host buffers were page-locked (pinned).</summary>
    public bool PinnedHostMemory { get; init; }
    public string Timing { get; init; } = "accelerator synchronize + clock around a batch of back-to-back copies; median of repeats";
}

/// <summary>Telemetry before, during and after; the deltas are the result.</summary>
public sealed record TelemetrySummary
{
    public bool Available { get; init; }
    public string? UnavailableReason { get; init; }
    public double SampleIntervalSeconds { get; init; }
    public TelemetrySnapshot? Before { get; init; }
    public TelemetrySnapshot? After { get; init; }
    public IReadOnlyList<TelemetrySnapshot> Samples { get; init; } = [];
    public double? MaxTemperatureC { get; init; }
    public double? MaxPowerW { get; init; }
    public double? EnergyJ { get; init; }
    public long? EccCorrectedDelta { get; init; }
    public long? EccUncorrectedDelta { get; init; }
    public long? PcieReplayDelta { get; init; }
    public IReadOnlyList<string> ClockEventReasonsSeen { get; init; } = [];
    public IReadOnlyList<ulong> XidErrors { get; init; } = [];
}

/// <summary>Everything about one device's burn-in.</summary>
public sealed record DeviceBurnInResult
{
    public required GpuDeviceInfo Device { get; init; }
    public required string Engine { get; init; }
    /// <summary>True when the CPU accelerator stood in for the card named by <c>Device.Serial</c> (<c>--stand-in</c>): never real silicon.</summary>
    public bool StandIn { get; init; }
    public bool Complete { get; init; }
    public Verdict Verdict { get; init; }
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public IReadOnlyList<GemmStressMetrics> Gemm { get; init; } = [];
    public MemoryTestMetrics? Memory { get; init; }
    public BandwidthMetrics? Bandwidth { get; init; }
    public TelemetrySummary? Telemetry { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Tool identity for the record.</summary>
public sealed record ToolInfo(string Name, string Version);

/// <summary>Host identity for the record.</summary>
public sealed record HostInfo(string Hostname, string Os, int ProcessorCount);

/// <summary>The options the run used, echoed into the result.</summary>
public sealed record BurnInRunOptions
{
    public BurnInLevel Level { get; init; }
    public double? DurationSeconds { get; init; }
    public FaultKind InjectFault { get; init; }
    public int Seed { get; init; }
    public required string Device { get; init; }
}

/// <summary>The versioned burn-in result (schema "fleet.burnin/v1", documented in src/Fleet.Gpu/README.md).</summary>
public sealed record BurnInResult
{
    public const string SchemaId = "fleet.burnin/v1";

    public string Schema { get; init; } = SchemaId;
    public required string RunId { get; init; }
    public required ToolInfo Tool { get; init; }
    public required HostInfo Host { get; init; }
    public required BurnInRunOptions Options { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset EndedAt { get; init; }
    /// <summary>False when the run was stopped (Ctrl-C) or a device could not finish; the rest is still real.</summary>
    public bool Complete { get; init; }
    public Verdict Verdict { get; init; }
    public IReadOnlyList<DeviceBurnInResult> Devices { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The JSON settings burn-in results are written and read with (camelCase, enums as camelCase strings).</summary>
public static class BurnInJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serialises a result.</summary>
    public static string Serialize(BurnInResult result) => JsonSerializer.Serialize(result, Options);

    /// <summary>Reads a result; throws <see cref="JsonException"/> on malformed input.</summary>
    public static BurnInResult Deserialize(string json) =>
        JsonSerializer.Deserialize<BurnInResult>(json, Options) ?? throw new JsonException("empty burn-in result");

    /// <summary>The JSON Schema (draft 2020-12) of <see cref="BurnInResult"/>, embedded from Schema/burnin-result.v1.schema.json.</summary>
    public static string SchemaText()
    {
        using var stream = typeof(BurnInJson).Assembly.GetManifestResourceStream("Fleet.Gpu.Schema.burnin-result.v1.schema.json")
            ?? throw new InvalidOperationException("the burn-in schema resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
