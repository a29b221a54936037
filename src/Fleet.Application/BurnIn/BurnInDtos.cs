using Fleet.Domain.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Application.BurnIn;

/// <summary>Burn-in settings (<c>Fleet:BurnIn</c>).</summary>
public sealed class BurnInOptions
{
    /// <summary>How long a claim or heartbeat keeps a job held.</summary>
    public int LeaseSeconds { get; set; } = 120;
    /// <summary>The largest results document accepted (telemetry samples make long runs big).</summary>
    public long MaxResultBytes { get; set; } = 16L << 20;
    /// <summary>How far an agent's clock may lag the server's when a run's start is compared with its claim.</summary>
    public int ClockSkewSeconds { get; set; } = 60;
    /// <summary>How often the server looks for leases that ran out.</summary>
    public int SweepSeconds { get; set; } = 15;
    public FleetHistoryThresholds FleetHistory { get; set; } = new();

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}

/// <summary>Which cards a campaign takes when it is created from an inventory filter.</summary>
public sealed record CampaignFilter(string? Status = null, string? Datacenter = null, string? Model = null, string? Host = null);

/// <summary>
/// The body of <c>POST /api/burnin/campaigns</c>: serials, or a filter (kind <c>burnin</c>, the default); or, for kind
/// <c>profile</c>, a preset, a dtype and the GPU models to measure it on (one card of each).
/// </summary>
public sealed record CreateCampaignRequest(string? Name, string? Level, double? DurationSeconds = null, IReadOnlyList<string>? Serials = null,
    CampaignFilter? Filter = null, string? Kind = null, string? Preset = null, string? Dtype = null, IReadOnlyList<string>? Models = null);

/// <summary>The created campaign; for a profile campaign <see cref="ProfileCards"/> names the card chosen for each GPU model.</summary>
public sealed record CreateCampaignResponse(int Id, int Jobs, int Cards, IReadOnlyList<ProfileCardChoice>? ProfileCards = null);

/// <summary>The card a profile campaign measures a GPU model on, and the host whose agent runs it.</summary>
public sealed record ProfileCardChoice(string GpuModel, string Serial, string Host, int? Slot);

public sealed record CampaignJobCounts(int Queued, int Claimed, int Done, int Failed, int Cancelled);

public sealed record CampaignCardCounts(int Total, int Passed, int Failed, int Pending);

public sealed record CampaignSummary(int Id, string Name, string Level, double? DurationSeconds, BurnInCampaignState State, string CreatedBy,
    DateTime CreatedAt, DateTime? CompletedAt, CampaignJobCounts Jobs, CampaignCardCounts Cards,
    BurnInCampaignKind Kind = BurnInCampaignKind.BurnIn, string? Preset = null, string? Dtype = null);

/// <summary>A job of a campaign; a profile job names its card and, once done, the stored profile it measured.</summary>
public sealed record CampaignJobItem(long Id, string Host, BurnInJobState State, int Attempts, string? Agent, string? Phase, double? Percent,
    DateTime? LastHeartbeatAt, DateTime? LeaseExpiresAt, string? FailureReason, int Cards,
    BurnInCampaignKind Kind = BurnInCampaignKind.BurnIn, string? Serial = null, string? GpuModel = null, int? ProfileId = null);

public sealed record FindingItem(string Code, Severity Severity, string Message, string? Evidence, string Source);

public sealed record CampaignCardItem(string Serial, string Host, int? Slot, BurnInCardOutcome Outcome, long? RunId, bool StandIn,
    IReadOnlyList<FindingItem> Findings);

/// <summary>A campaign's progress with every job and card; failing cards carry their findings.</summary>
public sealed record CampaignDetail(CampaignSummary Summary, IReadOnlyList<CampaignJobItem> JobList, IReadOnlyList<CampaignCardItem> CardList);

/// <summary>A device the agent sees, as it reports it when claiming.</summary>
public sealed record ClaimDevice(string? Uuid, string? Serial, string? PciBusId, string? Name);

/// <summary>
/// The body of <c>POST /api/agent/claim</c>. <see cref="Capabilities"/> lists the job kinds the agent runs besides burn-in
/// (<c>profile</c>); an agent that names none (every agent before protocol 2) is only handed burn-in jobs.
/// </summary>
public sealed record ClaimRequest(string? Host, string? AgentId, IReadOnlyList<ClaimDevice>? Devices, IReadOnlyList<string>? Capabilities = null);

/// <summary>The agent protocol's versions and job kinds as the claim names them.</summary>
public static class AgentProtocol
{
    /// <summary>2: claims carry <c>capabilities</c>, answers carry <c>protocol</c>, <c>kind</c> and, for profile jobs, <c>preset</c>/<c>dtype</c>.</summary>
    public const int Version = 2;
    public const string BurnInKind = "burnin";
    public const string ProfileKind = "profile";

    public static string KindName(BurnInCampaignKind kind) => kind == BurnInCampaignKind.Profile ? ProfileKind : BurnInKind;
}

public sealed record ClaimCard(string Serial, string? Uuid, int? Slot);

/// <summary>The job an agent now holds, with the cards the server expects on its host.</summary>
public sealed record ClaimResponse(long JobId, int CampaignId, string Level, double? DurationSeconds, int LeaseSeconds, IReadOnlyList<ClaimCard> Cards,
    int Protocol = AgentProtocol.Version, string Kind = AgentProtocol.BurnInKind, string? Preset = null, string? Dtype = null);

/// <summary>What <c>POST /api/agent/jobs/{id}/profile</c> stored: the profile (on <c>/profiles</c> and <c>GET /api/profiles</c>) and the card it was measured on.</summary>
public sealed record ProfileResultResponse(long JobId, int ProfileId, string Serial, bool Replayed);

/// <summary>The body of <c>POST /api/agent/jobs/{id}/heartbeat</c>.</summary>
public sealed record HeartbeatRequest(string? Phase, double? Percent);

public sealed record HeartbeatResponse(long JobId, DateTime LeaseExpiresAt, int LeaseSeconds);

public sealed record StoredRunItem(long Id, string Serial, Verdict Verdict, BurnInCardOutcome Outcome, bool StandIn);

/// <summary>What <c>POST /api/agent/jobs/{id}/results</c> stored; <see cref="Replayed"/> when the same document was already there.</summary>
public sealed record ResultResponse(string RunId, IReadOnlyList<long> RunIds, IReadOnlyList<StoredRunItem> Runs, bool Replayed);

/// <summary>What <c>POST /api/burnin/runs</c> stored: one run per matched card, and the devices that matched no card.</summary>
public sealed record OneOffResultResponse(string RunId, IReadOnlyList<long> RunIds, IReadOnlyList<StoredRunItem> Runs, bool Replayed,
    IReadOnlyList<string> Unmatched);

public sealed record PrecisionItem(Precision Precision, string Engine, int Size, double Tflops, double? SpecTflops, double? PercentOfSpec,
    double? FleetMedianTflops);

/// <summary>One card's run as the GPU page and <c>GET /api/gpus/{serial}/burnin</c> show it.</summary>
public sealed record GpuBurnInRunItem(
    long Id, string RunId, int? CampaignId, long? JobId, string ToolVersion, DateTime StartedAt, DateTime EndedAt, BurnInLevel Level,
    Verdict Verdict, bool Complete, bool StandIn, bool Seen, string? DeviceName, string? DeviceUuid, string? PciBusId,
    double? DeviceToDeviceGBs, double? HostToDeviceGBs, double? DeviceToHostGBs, double? MaxTemperatureC, double? MaxPowerW, double? EnergyJ,
    IReadOnlyList<FindingItem> Findings, IReadOnlyList<PrecisionItem> Precisions, int? RmaCaseId = null);

/// <summary>One telemetry sample of a run (from the stored document), for the temperature and power chart.</summary>
public sealed record TelemetryPoint(DateTime At, double? TemperatureC, double? PowerW);

/// <summary>One card's run with its telemetry samples, for the Burn-in page's charts.</summary>
public sealed record BurnInRunDetail(string Serial, GpuBurnInRunItem Run, IReadOnlyList<TelemetryPoint> Samples);

/// <summary>The dashboard's burn-in figures: cards waiting, the pass rate of stored runs, failures by finding code.</summary>
public sealed record BurnInDashboard(int CardsWaiting, int Passed, int Failed, double? PassRate, IReadOnlyList<FindingCount> FailuresByCode);

public sealed record FindingCount(string Code, int Runs);
