namespace Fleet.Domain.BurnIn;

/// <summary>A job's life: queued → claimed by one agent → done, failed or cancelled. A lost lease puts it back in the queue.</summary>
public enum BurnInJobState
{
    Queued,
    Claimed,
    Done,
    Failed,
    Cancelled,
}

/// <summary>What a campaign learned about one card of a job.</summary>
public enum BurnInCardOutcome
{
    Pending,
    Passed,
    Failed,
    /// <summary>The run stopped before the card finished and found nothing wrong: the card stays in burn-in.</summary>
    Incomplete,
}

/// <summary>
/// The burn-in of one host's cards within a campaign. The claim itself is one atomic statement in the data layer
/// (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL) that applies <see cref="IsClaimable"/>'s rule; every other move is a method here.
/// </summary>
public class BurnInJob : IVersioned
{
    /// <summary>Claims a job may have; a lease that runs out on the last one fails the job.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Why a job fails when its leases keep running out.</summary>
    public const string LeaseExhaustedReason = "The lease ran out without a heartbeat 3 times (3 attempts); the job is not retried.";

    public long Id { get; set; }
    public int CampaignId { get; set; }
    public BurnInCampaign? Campaign { get; set; }
    public int HostId { get; set; }
    public required string HostName { get; set; }
    public BurnInJobState State { get; private set; } = BurnInJobState.Queued;
    /// <summary>The campaign's kind, kept on the job so the claim hands profile jobs only to agents that can run them.</summary>
    public BurnInCampaignKind Kind { get; set; } = BurnInCampaignKind.BurnIn;
    /// <summary>The agent id the holder sent with its claim.</summary>
    public string? HolderAgentId { get; private set; }
    /// <summary>The authenticated principal (API token) of the holder.</summary>
    public string? HolderPrincipal { get; private set; }
    public DateTime? ClaimedAt { get; private set; }
    public DateTime? LeaseExpiresAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? LastHeartbeatAt { get; private set; }
    public string? Phase { get; private set; }
    public double? Percent { get; private set; }
    public string? FailureReason { get; private set; }
    public DateTime? FinishedAt { get; private set; }
    public List<BurnInJobCard> Cards { get; set; } = [];
    public long Version { get; set; }

    /// <summary>True while no agent holds the job and it may still be tried.</summary>
    public bool IsClaimable => State == BurnInJobState.Queued && Attempts < MaxAttempts;

    /// <summary>True once the job will not run again.</summary>
    public bool IsFinished => State is BurnInJobState.Done or BurnInJobState.Failed or BurnInJobState.Cancelled;

    /// <summary>True when <paramref name="principal"/> (and, if it says, <paramref name="agentId"/>) holds a live lease at <paramref name="nowUtc"/>.</summary>
    public bool IsHeldBy(string principal, string? agentId, DateTime nowUtc) =>
        State == BurnInJobState.Claimed && LeaseExpiresAt > nowUtc
        && string.Equals(HolderPrincipal, principal, StringComparison.Ordinal)
        && (agentId is null || string.Equals(HolderAgentId, agentId, StringComparison.Ordinal));

    /// <summary>Why <paramref name="principal"/> may not act on the job now, or null when it holds it.</summary>
    public string? WhyNotHeldBy(string principal, string? agentId, DateTime nowUtc) => State switch
    {
        _ when IsHeldBy(principal, agentId, nowUtc) => null,
        BurnInJobState.Claimed when LeaseExpiresAt <= nowUtc => $"The lease on job {Id} ran out at {LeaseExpiresAt:O}; the job goes back to the queue.",
        BurnInJobState.Claimed => $"Job {Id} is held by another agent ({HolderAgentId}).",
        BurnInJobState.Queued => $"Job {Id} is not held by anyone (its lease was lost); claim it again.",
        _ => $"Job {Id} is {State}; it takes no more heartbeats or results.",
    };

    /// <summary>Takes the job for an agent (the in-memory form of the data layer's atomic claim).</summary>
    public void Claim(string principal, string agentId, DateTime nowUtc, TimeSpan lease)
    {
        if (!IsClaimable)
        {
            throw new DomainException($"Job {Id} is {State} after {Attempts} attempt(s); it cannot be claimed.");
        }

        State = BurnInJobState.Claimed;
        HolderPrincipal = principal;
        HolderAgentId = agentId;
        ClaimedAt = nowUtc;
        LastHeartbeatAt = nowUtc;
        LeaseExpiresAt = nowUtc + lease;
        Attempts++;
        Phase = "claimed";
        Percent = 0;
    }

    /// <summary>The holder is alive: records its progress and extends the lease.</summary>
    public void Heartbeat(string? phase, double? percent, DateTime nowUtc, TimeSpan lease)
    {
        if (State != BurnInJobState.Claimed)
        {
            throw new DomainException($"Job {Id} is {State}; only a claimed job takes heartbeats.");
        }

        if (percent is { } p && (double.IsNaN(p) || p < 0 || p > 100))
        {
            throw new DomainException("percent must be between 0 and 100.");
        }

        LastHeartbeatAt = nowUtc;
        LeaseExpiresAt = nowUtc + lease;
        Phase = phase is { Length: > 64 } ? phase[..64] : phase;
        Percent = percent ?? Percent;
    }

    /// <summary>The results are in.</summary>
    public void Finish(DateTime nowUtc)
    {
        State = BurnInJobState.Done;
        FinishedAt = nowUtc;
        LeaseExpiresAt = null;
        Phase = "done";
        Percent = 100;
    }

    /// <summary>The holder's result was refused for good (e.g. a profile that breaks its contract): the job will not run again.</summary>
    public void Fail(string reason, DateTime nowUtc)
    {
        if (State != BurnInJobState.Claimed)
        {
            throw new DomainException($"Job {Id} is {State}; only a claimed job can fail.");
        }

        State = BurnInJobState.Failed;
        FailureReason = reason.Length > 2000 ? reason[..2000] : reason;
        FinishedAt = nowUtc;
        LeaseExpiresAt = null;
        Phase = "failed";
    }

    /// <summary>The lease ran out: back to the queue, or failed after the last attempt.</summary>
    public void LoseLease(DateTime nowUtc)
    {
        if (State != BurnInJobState.Claimed || LeaseExpiresAt > nowUtc)
        {
            return;
        }

        LeaseExpiresAt = null;
        HolderPrincipal = null;
        HolderAgentId = null;
        if (Attempts >= MaxAttempts)
        {
            State = BurnInJobState.Failed;
            FailureReason = LeaseExhaustedReason;
            FinishedAt = nowUtc;
        }
        else
        {
            State = BurnInJobState.Queued;
        }
    }
}

/// <summary>A card a job expects on its host, and what the campaign learned about it.</summary>
public class BurnInJobCard
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public int GpuId { get; set; }
    public required string Serial { get; set; }
    public string? Uuid { get; set; }
    public int? Slot { get; set; }
    public BurnInCardOutcome Outcome { get; private set; } = BurnInCardOutcome.Pending;
    /// <summary>The stored run that decided the outcome.</summary>
    public long? BurnInRunId { get; private set; }

    public void Record(BurnInCardOutcome outcome, long runId)
    {
        Outcome = outcome;
        BurnInRunId = runId;
    }
}
