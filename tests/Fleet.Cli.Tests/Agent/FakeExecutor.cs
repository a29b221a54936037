using Fleet.Domain.Contracts.BurnIn;
using Fleet.Cli.Agent;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Devices;

namespace Fleet.Cli.Tests.Agent;

/// <summary>Stands in for the burn-in runner in the loop's tests: a result per job after <see cref="RunTime"/>, or a run that waits for cancellation.</summary>
internal sealed class FakeExecutor : IBurnInExecutor
{
    public IReadOnlyList<AgentDevice> Devices { get; } = [new("GPU-1111", "S-1", "00000000:01:00.0", "NVIDIA H200")];

    public TimeSpan RunTime { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs until cancelled, then returns the partial result (as the real runner does).</summary>
    public bool RunUntilCancelled { get; set; }

    /// <summary>The run id of the next result (default: a new GUID).</summary>
    public string? NextRunId { get; set; }

    /// <summary>Thrown by the run, as a device that cannot be opened would.</summary>
    public Exception? Throws { get; set; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<BurnInResult> Results { get; } = [];

    public async Task<BurnInResult> RunAsync(ClaimedJob job, IProgress<JobProgress> progress, CancellationToken ct)
    {
        progress.Report(new JobProgress("gemm fp32", 10));
        Started.TrySetResult();
        if (Throws is { } ex)
        {
            throw ex;
        }

        var complete = true;
        try
        {
            await Task.Delay(RunUntilCancelled ? Timeout.InfiniteTimeSpan : RunTime, ct);
        }
        catch (OperationCanceledException)
        {
            complete = false;
        }

        progress.Report(new JobProgress("done", 100));
        var result = Result(NextRunId ?? Guid.NewGuid().ToString("D"), complete);
        NextRunId = null;
        Results.Add(result);
        return result;
    }

    public static BurnInResult Result(string runId, bool complete = true, Verdict verdict = Verdict.Pass) => new()
    {
        RunId = runId,
        Tool = new ToolInfo("fleet", "0.1.0"),
        Host = new HostInfo("gpu-node-01", "Linux", 2),
        Options = new BurnInRunOptions { Level = BurnInLevel.Quick, DurationSeconds = 1, Device = "all" },
        StartedAt = DateTimeOffset.UnixEpoch,
        EndedAt = DateTimeOffset.UnixEpoch.AddSeconds(1),
        Complete = complete,
        Verdict = verdict,
        Devices =
        [
            new DeviceBurnInResult
            {
                Device = new GpuDeviceInfo { Id = "0", Kind = DeviceKind.Cuda, Name = "NVIDIA H200", Serial = "S-1", Uuid = "GPU-1111" },
                Engine = "fake",
                Complete = complete,
                Verdict = verdict,
            },
        ],
    };
}
