using Fleet.Domain.Contracts.BurnIn;
using System.Globalization;
using Fleet.Gpu.BurnIn;

namespace Fleet.Cli.Agent;

/// <summary>How the agent loop behaves.</summary>
public sealed record AgentOptions
{
    public required string Host { get; init; }
    public required string AgentId { get; init; }
    /// <summary>One job or none, then stop.</summary>
    public bool Once { get; init; }
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>After a stop signal, how long a completed job's post may still take before it is left in the spool.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>One job as the agent saw it.</summary>
public sealed record AgentJobReport
{
    public required string JobId { get; init; }
    public string? RunId { get; init; }
    public Verdict? Verdict { get; init; }
    /// <summary>posted, refused, spooled (left for the next start), abandoned (stopped mid-run), lease-lost or error (could not run).</summary>
    public required string Outcome { get; init; }
    public IReadOnlyList<string> RunIds { get; init; } = [];
    public string? Problem { get; init; }
}

/// <summary>The agent's summary (<c>--json</c>, schema <c>fleet.agent/v1</c>).</summary>
public sealed record AgentReport
{
    public string Schema { get; init; } = "fleet.agent/v1";
    public required string Host { get; init; }
    public required string AgentId { get; init; }
    public required string Server { get; init; }
    public required string SpoolDirectory { get; init; }
    /// <summary>once (one job or none), signal (SIGTERM/SIGINT) or unauthorized.</summary>
    public required string StoppedBy { get; init; }
    public IReadOnlyList<AgentJobReport> Jobs { get; init; } = [];
    /// <summary>Results from an earlier start found in the spool and delivered (or refused) now.</summary>
    public IReadOnlyList<AgentJobReport> Respooled { get; init; } = [];
    public string? Error { get; init; }

    /// <summary>0 all delivered or nothing to do, 1 the server refused a result, 2 could not run (the token was refused, a job could not run).</summary>
    public int ExitCode => StoppedBy == "unauthorized" || Jobs.Any(j => j.Outcome == "error") ? ExitCodes.CouldNotRun
        : Jobs.Concat(Respooled).Any(j => j.Outcome == "refused") ? ExitCodes.Failed
        : ExitCodes.Pass;
}

/// <summary>
/// The agent: deliver what the spool holds, then claim → burn in while heartbeating → spool → post → claim again, backing
/// off while the queue is empty or the server is down. A stop (SIGTERM) abandons a running burn-in (its lease runs out and
/// the server retries the job) but lets a completed job's post finish, within <see cref="AgentOptions.StopGrace"/>.
/// </summary>
public sealed class AgentLoop(AgentClient client, ResultSpool spool, IBurnInExecutor executor, AgentOptions options, Action<string> log, TimeProvider time, Random random,
    IProfileExecutor? profiles = null)
{
    private readonly List<AgentJobReport> _jobs = [];
    private readonly List<AgentJobReport> _respooled = [];

    public async Task<AgentReport> RunAsync(string server, CancellationToken stop)
    {
        log($"agent {options.AgentId} on host {options.Host}: {LocalBurnInExecutor.Describe(executor.Devices)}; server {server}; spool {spool.Directory}");
        var stoppedBy = "signal";
        string? error = null;
        try
        {
            foreach (var pending in spool.Pending())
            {
                log($"spool: delivering run {pending.RunId} from an earlier start");
                _respooled.Add(await DeliverAsync(pending, new AgentJobReport { JobId = JobIdOf(pending.Path), RunId = pending.RunId, Outcome = "spooled" }, stop).ConfigureAwait(false));
            }

            var empty = new Backoff(options.InitialBackoff, options.MaxBackoff, random);
            while (!stop.IsCancellationRequested)
            {
                var job = await ClaimAsync(stop).ConfigureAwait(false);
                if (job is null)
                {
                    if (options.Once)
                    {
                        log("no job for this host; --once: done");
                        stoppedBy = "once";
                        break;
                    }

                    var wait = empty.Next();
                    log(string.Create(CultureInfo.InvariantCulture, $"no job for this host; next claim in {wait.TotalSeconds:F1} s"));
                    await Task.Delay(wait, time, stop).ConfigureAwait(false);
                    continue;
                }

                empty.Reset();
                _jobs.Add(await RunJobAsync(job, stop).ConfigureAwait(false));
                if (options.Once)
                {
                    stoppedBy = "once";
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log("stopped");
        }
        catch (AgentUnauthorizedException ex)
        {
            stoppedBy = "unauthorized";
            error = ex.Message;
            log($"error: {ex.Message}");
        }

        return new AgentReport
        {
            Host = options.Host,
            AgentId = options.AgentId,
            Server = server,
            SpoolDirectory = spool.Directory,
            StoppedBy = stoppedBy,
            Jobs = _jobs,
            Respooled = _respooled,
            Error = error,
        };
    }

    private async Task<ClaimedJob?> ClaimAsync(CancellationToken stop)
    {
        var down = new Backoff(options.InitialBackoff, options.MaxBackoff, random);
        // Naming the profile capability is what lets the server hand this agent profile jobs (protocol 2).
        var request = new ClaimRequest(options.Host, options.AgentId, executor.Devices, profiles is null ? null : [JobKinds.Profile]);
        while (true)
        {
            try
            {
                return await client.ClaimAsync(request, stop).ConfigureAwait(false);
            }
            catch (ServerUnavailableException ex)
            {
                var wait = down.Next();
                log(string.Create(CultureInfo.InvariantCulture, $"server unavailable ({ex.Message}); retrying in {wait.TotalSeconds:F1} s"));
                await Task.Delay(wait, time, stop).ConfigureAwait(false);
            }
        }
    }

    private async Task<AgentJobReport> RunJobAsync(ClaimedJob job, CancellationToken stop)
    {
        if (job.IsProfile || (job.Kind is { } kind && !string.Equals(kind, JobKinds.BurnIn, StringComparison.OrdinalIgnoreCase)))
        {
            return await RunProfileJobAsync(job, stop).ConfigureAwait(false);
        }

        log(string.Create(CultureInfo.InvariantCulture,
            $"claimed job {job.JobId} (campaign {job.CampaignId}): {job.Level}{(job.DurationSeconds is { } d ? $", {d:F0} s stress" : string.Empty)}, lease {job.LeaseSeconds:F0} s, cards {string.Join(", ", job.Cards.Select(c => c.Serial))}"));
        var (result, ended) = await RunLeasedAsync(job, "burn-in", "run", executor.RunAsync,
            r => !r.Complete && stop.IsCancellationRequested, stop).ConfigureAwait(false);
        if (result is null)
        {
            return ended!;
        }

        var spooled = spool.Add(result.RunId, AgentClient.ResultsPath(job.JobId), BurnInJson.Serialize(result), options.AgentId);
        log($"job {job.JobId}: run {result.RunId} {result.Verdict.ToString().ToUpperInvariant()}; spooled, posting");
        return await DeliverAsync(spooled, new AgentJobReport { JobId = job.JobId, RunId = result.RunId, Verdict = result.Verdict, Outcome = "spooled" }, stop).ConfigureAwait(false);
    }

    /// <summary>A profile job: measure the preset on the job's card while heartbeating, spool the profile, post it to the job's profile route.</summary>
    private async Task<AgentJobReport> RunProfileJobAsync(ClaimedJob job, CancellationToken stop)
    {
        if (profiles is null || !job.IsProfile)
        {
            log($"job {job.JobId}: kind '{job.Kind}' is not one this agent runs; its lease runs out and the server retries it elsewhere");
            return new AgentJobReport { JobId = job.JobId, Outcome = "error", Problem = $"unsupported job kind '{job.Kind}'" };
        }

        log(string.Create(CultureInfo.InvariantCulture,
            $"claimed job {job.JobId} (campaign {job.CampaignId}): profile {job.Preset} {job.Dtype}, lease {job.LeaseSeconds:F0} s, card {string.Join(", ", job.Cards.Select(c => c.Serial))}"));
        var (json, ended) = await RunLeasedAsync(job, "profile", "profile", profiles.RunProfileAsync, _ => false, stop).ConfigureAwait(false);
        if (json is null)
        {
            return ended!;
        }

        var runId = $"profile-{job.JobId}-{Guid.NewGuid().ToString("N")[..8]}";
        var spooled = spool.Add(runId, AgentClient.ProfilePath(job.JobId), json, options.AgentId);
        log($"job {job.JobId}: profile {runId} measured; spooled, posting");
        return await DeliverAsync(spooled, new AgentJobReport { JobId = job.JobId, RunId = runId, Outcome = "spooled" }, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a claimed job's work while heartbeating its lease: the work's result, or (exactly one of the two) the report
    /// that ends the job without one (it could not run; the server says the lease is lost; the stop signal abandoned it, or
    /// <paramref name="abandoned"/> says the result it gave is not one to post).
    /// </summary>
    private async Task<(T? Result, AgentJobReport? Ended)> RunLeasedAsync<T>(ClaimedJob job, string what, string dropped,
        Func<ClaimedJob, IProgress<JobProgress>, CancellationToken, Task<T>> work, Func<T, bool> abandoned, CancellationToken stop)
        where T : class
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var beating = new CancellationTokenSource();
        var progress = new LatestProgress();
        var leaseLost = false;
        var heartbeat = HeartbeatAsync(job, progress, () =>
        {
            leaseLost = true;
            run.Cancel();
        }, beating.Token);

        T? result;
        try
        {
            log($"job {job.JobId}: {what} started");
            result = await work(job, progress, run.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            result = null;
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // A device that cannot be opened or a job this agent cannot run: say so and let the lease run out (the server
            // retries the job, then fails it after its attempts).
            log($"job {job.JobId}: could not run: {ex.GetType().Name}: {ex.Message}");
            return (null, new AgentJobReport { JobId = job.JobId, Outcome = "error", Problem = ex.Message });
        }
        finally
        {
            await beating.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }

        if (leaseLost)
        {
            log($"job {job.JobId}: the server says this agent no longer holds it; the {dropped} is dropped");
            return (null, new AgentJobReport { JobId = job.JobId, Outcome = "lease-lost" });
        }

        if (result is null || abandoned(result))
        {
            log($"job {job.JobId}: abandoned by the stop signal; its lease runs out and the server hands it out again");
            return (null, new AgentJobReport { JobId = job.JobId, Outcome = "abandoned" });
        }

        return (result, null);
    }

    /// <summary>Posts until the server has it; after a stop, keeps trying for the grace period, then leaves it in the spool.</summary>
    private async Task<AgentJobReport> DeliverAsync(SpooledResult spooled, AgentJobReport report, CancellationToken stop)
    {
        using var grace = new CancellationTokenSource();
        using var onStop = stop.Register(() => grace.CancelAfter(options.StopGrace));
        try
        {
            var delivery = await new ResultPoster(client, spool, log, time)
                .DeliverAsync(spooled, new Backoff(options.InitialBackoff, options.MaxBackoff, random), null, grace.Token).ConfigureAwait(false);
            return report with { Outcome = delivery.Outcome, RunIds = delivery.RunIds, Problem = delivery.Problem };
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
            log($"run {spooled.RunId}: not delivered before the stop; kept in the spool for the next start");
            return report with { Outcome = "spooled" };
        }
    }

    private async Task HeartbeatAsync(ClaimedJob job, LatestProgress progress, Action onLeaseLost, CancellationToken ct)
    {
        // Three beats per lease, so one lost beat does not lose the job; a server that names no lease gets one a minute.
        var interval = TimeSpan.FromSeconds(job.LeaseSeconds > 0 ? Math.Max(0.5, job.LeaseSeconds / 3) : 60);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                var (phase, percent) = progress.Current;
                try
                {
                    if (!await client.HeartbeatAsync(job.JobId, new HeartbeatRequest(phase, percent), ct).ConfigureAwait(false))
                    {
                        onLeaseLost();
                        return;
                    }
                }
                catch (ServerUnavailableException ex)
                {
                    log($"job {job.JobId}: heartbeat failed ({ex.Message}); the burn-in goes on");
                }
                catch (InvalidOperationException ex)
                {
                    log($"job {job.JobId}: {ex.Message}");
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (AgentUnauthorizedException ex)
        {
            log($"job {job.JobId}: {ex.Message}");
            onLeaseLost();
        }
    }

    private static string JobIdOf(string path)
    {
        var parts = path.Split('/');
        var i = Array.IndexOf(parts, "jobs");
        return i >= 0 && i + 1 < parts.Length ? Uri.UnescapeDataString(parts[i + 1]) : "-";
    }

    /// <summary>The latest phase and percentage, read by the heartbeat.</summary>
    private sealed class LatestProgress : IProgress<JobProgress>
    {
        private JobProgress _current = new("starting", 0);

        public (string Phase, double Percent) Current
        {
            get
            {
                var c = Volatile.Read(ref _current);
                return (c.Phase, c.Percent);
            }
        }

        public void Report(JobProgress value) => Volatile.Write(ref _current, value);
    }
}
