using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Agent;

/// <summary>Where a job's burn-in is in its run: the phase and an estimate of the share done, for the heartbeat.</summary>
public sealed record JobProgress(string Phase, double Percent);

/// <summary>Runs a claimed job's burn-in on this host's devices (the real runner, or a fake in tests).</summary>
public interface IBurnInExecutor
{
    /// <summary>The devices this agent offers when claiming.</summary>
    IReadOnlyList<AgentDevice> Devices { get; }

    /// <summary>
    /// Runs the burn-in for the job's level and duration. Cancellation stops it and returns the partial result
    /// (<c>Complete = false</c>), which the agent does not post.
    /// </summary>
    Task<BurnInResult> RunAsync(ClaimedJob job, IProgress<JobProgress> progress, CancellationToken ct);
}

/// <summary>Runs a claimed profile job: <c>fleet infer profile</c> for the job's preset on the job's card; returns the <c>fleet.inference-profile/v1</c> JSON.</summary>
public interface IProfileExecutor
{
    Task<string> RunProfileAsync(ClaimedJob job, IProgress<JobProgress> progress, CancellationToken ct);
}
