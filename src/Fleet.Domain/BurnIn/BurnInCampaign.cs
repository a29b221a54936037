using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Domain.BurnIn;

/// <summary>Where a campaign stands: open while any of its jobs is queued or held.</summary>
public enum BurnInCampaignState
{
    Open,
    Completed,
    Cancelled,
}

/// <summary>A burn-in of a set of cards at one level, by whom and when; one <see cref="BurnInJob"/> per host.</summary>
public class BurnInCampaign
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public BurnInLevel Level { get; set; }
    /// <summary>The stress time per device that overrides the level's; null keeps the level's.</summary>
    public double? DurationSeconds { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>The creator's role: the authority under which the campaign's verdicts move cards through the lifecycle.</summary>
    public string CreatedByRole { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public BurnInCampaignState State { get; private set; } = BurnInCampaignState.Open;
    public DateTime? CompletedAt { get; private set; }
    public List<BurnInJob> Jobs { get; set; } = [];

    /// <summary>Marks the campaign completed once none of its jobs is queued or held.</summary>
    public void Complete(DateTime nowUtc)
    {
        if (State == BurnInCampaignState.Open)
        {
            State = BurnInCampaignState.Completed;
            CompletedAt = nowUtc;
        }
    }
}
