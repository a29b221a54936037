using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Domain.BurnIn;

/// <summary>Where a campaign stands: open while any of its jobs is queued or held.</summary>
public enum BurnInCampaignState
{
    Open,
    Completed,
    Cancelled,
}

/// <summary>What a campaign's jobs run: a burn-in of every card (one job per host), or an inference profile on one card per GPU model.</summary>
public enum BurnInCampaignKind
{
    BurnIn,
    Profile,
}

/// <summary>A burn-in of a set of cards at one level, by whom and when; one <see cref="BurnInJob"/> per host (a profile campaign: one per GPU model).</summary>
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
    public BurnInCampaignKind Kind { get; set; } = BurnInCampaignKind.BurnIn;
    /// <summary>A profile campaign's model preset (<see cref="Models.ModelPresets"/>); null for a burn-in.</summary>
    public string? Preset { get; set; }
    /// <summary>A profile campaign's weight type (f32, bf16, f16); null for a burn-in.</summary>
    public string? Dtype { get; set; }

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
