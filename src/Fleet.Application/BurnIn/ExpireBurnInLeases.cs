using Fleet.Domain.BurnIn;

namespace Fleet.Application.BurnIn;

/// <summary>Leases that ran out without a heartbeat: the job goes back to the queue, or fails after its last attempt.</summary>
public sealed class ExpireBurnInLeases(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>Sweeps every host; returns how many jobs lost their lease.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ExpireAsync(db, time.GetUtcNow().UtcDateTime, null, Actor.System, ct);
    }

    internal static async Task<int> ExpireAsync(FleetDbContext db, DateTime nowUtc, string? host, Actor actor, CancellationToken ct)
    {
        var expired = await db.BurnInJobs
            .Where(j => j.State == BurnInJobState.Claimed && j.LeaseExpiresAt <= nowUtc && (host == null || j.HostName == host))
            .OrderBy(j => j.Id).Take(500).ToListAsync(ct);
        if (expired.Count == 0)
        {
            return 0;
        }

        var campaigns = new HashSet<int>();
        foreach (var job in expired)
        {
            var holder = job.HolderAgentId;
            job.LoseLease(nowUtc);
            db.AuditEntries.Add(AuditLog.Entry(actor, nowUtc, nameof(BurnInJob), job.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Update, null,
                new { State = job.State.ToString(), job.Attempts, job.FailureReason },
                job.State == BurnInJobState.Failed ? job.FailureReason : $"lease of {holder} ran out without a heartbeat; back in the queue"));
            if (job.State == BurnInJobState.Failed)
            {
                campaigns.Add(job.CampaignId);
            }
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A heartbeat or a result won the race for some job; the next sweep sees the rest.
            db.ChangeTracker.Clear();
            return 0;
        }

        foreach (var campaignId in campaigns)
        {
            await IngestBurnInResult.CompleteCampaignIfDoneAsync(db, campaignId, nowUtc, ct);
        }

        await db.SaveChangesAsync(ct);
        return expired.Count;
    }
}
