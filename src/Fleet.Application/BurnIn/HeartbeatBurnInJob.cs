namespace Fleet.Application.BurnIn;

/// <summary><c>POST /api/agent/jobs/{id}/heartbeat</c>: the holder's progress; extends its lease. Anyone else gets a conflict.</summary>
public sealed class HeartbeatBurnInJob(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, BurnInOptions options)
{
    public async Task<HeartbeatResponse> HeartbeatAsync(long jobId, HeartbeatRequest request, Actor actor, string? agentId = null,
        CancellationToken ct = default)
    {
        BurnInAccess.Require(actor, Roles.Agent, "Heartbeating a burn-in job");
        if (request.Percent is { } p && (double.IsNaN(p) || p < 0 || p > 100))
        {
            throw new ValidationException("percent", "percent must be between 0 and 100.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.BurnInJobs.FirstOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException($"No burn-in job {jobId}.");
        if (BurnInAccess.WhyNotHeld(job, actor, agentId, now) is { } why)
        {
            throw new ConcurrencyException(why);
        }

        job.Heartbeat(request.Phase?.Trim(), request.Percent, now, options.Lease);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"Job {jobId} changed while the heartbeat was written (its lease ran out); claim again.");
        }

        return new HeartbeatResponse(job.Id, job.LeaseExpiresAt!.Value, options.LeaseSeconds);
    }
}
