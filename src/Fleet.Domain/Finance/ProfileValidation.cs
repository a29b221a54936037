namespace Fleet.Domain.Finance;

/// <summary>
/// A <c>fleet plan validate</c> result: the simulator's prediction against what a served engine measured for the same
/// arrivals, kept whole as JSON (<c>{ predicted, measured, relativeError }</c>), optionally for a stored profile.
/// </summary>
public class ProfileValidation
{
    public int Id { get; set; }
    /// <summary>The stored profile that was validated; null when validate profiled the server itself.</summary>
    public int? StoredProfileId { get; set; }
    /// <summary>What was validated, e.g. "stories-15m on cpu, 60 % load".</summary>
    public required string Label { get; set; }
    /// <summary>The largest |relative error| over the p50 and p90 of TTFT, TPOT and end-to-end latency.</summary>
    public double WorstP50P90Error { get; set; }
    public DateTime UploadedAt { get; set; }
    public required string Json { get; set; }
}
