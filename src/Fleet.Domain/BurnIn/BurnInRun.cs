using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Domain.BurnIn;

/// <summary>One posted <c>fleet.burnin/v1</c> document, kept whole; its <see cref="RunId"/> makes the post idempotent.</summary>
public class BurnInReport
{
    public long Id { get; set; }
    public required string RunId { get; set; }
    public long? JobId { get; set; }
    /// <summary>SHA-256 of the document in canonical form: the same content posted again is recognised, different content refused.</summary>
    public required string ContentHash { get; set; }
    public required string Json { get; set; }
    public string Hostname { get; set; } = "";
    public string ToolVersion { get; set; } = "";
    public DateTime ReceivedAt { get; set; }
    public string ReceivedBy { get; set; } = "";
    public List<BurnInRun> Runs { get; set; } = [];
}

/// <summary>One card's burn-in within a report: what it measured, what was found, the verdict.</summary>
public class BurnInRun
{
    public long Id { get; set; }
    public long ReportId { get; set; }
    public BurnInReport? Report { get; set; }
    /// <summary>The document's run id (shared by the cards of one post).</summary>
    public required string RunId { get; set; }
    public long? JobId { get; set; }
    public int? CampaignId { get; set; }
    public int GpuId { get; set; }
    public string ToolVersion { get; set; } = "";
    public DateTime StartedAt { get; set; }
    public DateTime EndedAt { get; set; }
    public BurnInLevel Level { get; set; }
    public Verdict Verdict { get; set; }
    public bool Complete { get; set; }
    /// <summary>True when the CPU accelerator stood in for the card: shown as such, never as real silicon.</summary>
    public bool StandIn { get; set; }
    /// <summary>False for an expected card the agent did not see (nothing was measured).</summary>
    public bool Seen { get; set; } = true;
    public string? DeviceName { get; set; }
    public string? DeviceUuid { get; set; }
    public string? DeviceSerial { get; set; }
    public string? PciBusId { get; set; }
    public string? Vbios { get; set; }
    public string? BoardPartNumber { get; set; }
    public double? DeviceToDeviceGBs { get; set; }
    public double? HostToDeviceGBs { get; set; }
    public double? DeviceToHostGBs { get; set; }
    public double? MaxTemperatureC { get; set; }
    public double? MaxPowerW { get; set; }
    public double? EnergyJ { get; set; }
    public long? EccCorrectedDelta { get; set; }
    public long? EccUncorrectedDelta { get; set; }
    public long? PcieReplayDelta { get; set; }
    /// <summary>The device's part of the document as posted (telemetry samples included).</summary>
    public string? DeviceJson { get; set; }
    public List<BurnInFinding> Findings { get; set; } = [];
    public List<BurnInPrecisionResult> Precisions { get; set; } = [];
}

/// <summary>A finding on a run: the agent's, or the server's (matching, fleet history).</summary>
public class BurnInFinding
{
    public long Id { get; set; }
    public long BurnInRunId { get; set; }
    public required string Code { get; set; }
    public Severity Severity { get; set; }
    public string Message { get; set; } = "";
    public string? EvidenceJson { get; set; }
    /// <summary>"agent" when the burn-in reported it, "server" when the server found it.</summary>
    public string Source { get; set; } = "agent";
}

/// <summary>Matrix-product throughput of one precision on a run, against the spec and the model's fleet median.</summary>
public class BurnInPrecisionResult
{
    public long Id { get; set; }
    public long BurnInRunId { get; set; }
    public Precision Precision { get; set; }
    public string Engine { get; set; } = "";
    public int Size { get; set; }
    public double Tflops { get; set; }
    public double? SpecTflops { get; set; }
    public double? PercentOfSpec { get; set; }
    /// <summary>The median of the model's earlier passing runs at this precision when the run was stored; null without enough history.</summary>
    public double? FleetMedianTflops { get; set; }
}
