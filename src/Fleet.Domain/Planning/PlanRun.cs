namespace Fleet.Domain.Planning;

/// <summary>States of a plan run, stored as text.</summary>
public static class PlanRunStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state is Done or Failed or Cancelled;
}

/// <summary>
/// One planner run (simulate or capacity) of a <c>fleet.scenario/v1</c>: queued, then running with progress, then done
/// with the CLI's result JSON, failed with an error, or cancelled. The moves are methods; nothing else sets the state.
/// </summary>
public class PlanRun
{
    public int Id { get; set; }
    /// <summary>The saved scenario whose history this run belongs to; null for a one-off.</summary>
    public int? SavedScenarioId { get; set; }
    public string? ScenarioName { get; set; }
    /// <summary>simulate or capacity.</summary>
    public required string Kind { get; set; }
    public required string ScenarioJson { get; set; }
    /// <summary>The capacity options as JSON (null for simulate).</summary>
    public string? OptionsJson { get; set; }
    public string State { get; private set; } = PlanRunStates.Queued;
    public double Progress { get; private set; }
    /// <summary>Exactly what <c>fleet plan simulate|capacity --json</c> prints.</summary>
    public string? ResultJson { get; private set; }
    /// <summary>Warnings known when the run was built (roofline fallback...), as a JSON array.</summary>
    public string? WarningsJson { get; set; }
    public string? Error { get; private set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }

    /// <summary>Queued → running; false when the run is no longer queued (cancelled meanwhile).</summary>
    public bool Start(DateTime now)
    {
        if (State != PlanRunStates.Queued)
        {
            return false;
        }

        State = PlanRunStates.Running;
        StartedAt = now;
        return true;
    }

    public void ReportProgress(double progress)
    {
        if (State == PlanRunStates.Running)
        {
            Progress = Math.Clamp(progress, 0, 1);
        }
    }

    public void Complete(string resultJson, DateTime now)
    {
        RequireRunning("finish");
        State = PlanRunStates.Done;
        Progress = 1;
        ResultJson = resultJson;
        FinishedAt = now;
    }

    /// <summary>Queued or running → failed with the reason.</summary>
    public void Fail(string error, DateTime now)
    {
        if (PlanRunStates.IsFinal(State))
        {
            throw new DomainException($"Plan run {Id} is already {State}; it cannot fail.");
        }

        State = PlanRunStates.Failed;
        Error = error.Length > 4000 ? error[..4000] : error;
        FinishedAt = now;
    }

    /// <summary>Queued or running → cancelled; false when it had already ended.</summary>
    public bool Cancel(string by, DateTime now)
    {
        if (PlanRunStates.IsFinal(State))
        {
            return false;
        }

        State = PlanRunStates.Cancelled;
        Error = $"cancelled by {by}";
        FinishedAt = now;
        return true;
    }

    private void RequireRunning(string what)
    {
        if (State != PlanRunStates.Running)
        {
            throw new DomainException($"Plan run {Id} is {State}, not running; it cannot {what}.");
        }
    }
}

/// <summary>A named scenario; its history is the plan runs filed under it.</summary>
public class SavedScenario : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string ScenarioJson { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Version { get; set; }
}

/// <summary>A draft purchase order created from a plan run's buy plan.</summary>
public class PlanRunOrder
{
    public int Id { get; set; }
    public int PlanRunId { get; set; }
    public int PurchaseOrderId { get; set; }
}
