using Fleet.Application.Finance;
using Fleet.Domain.BurnIn;
using Fleet.Domain.Finance;

namespace Fleet.Application.BurnIn;

/// <summary>
/// <c>POST /api/agent/jobs/{id}/profile</c>: the <c>fleet.inference-profile/v1</c> document a profile job's holder measured.
/// It passes the same check as <c>POST /api/profiles</c> (<see cref="Fleet.Domain.Contracts.Profiles.InferenceProfileValidator"/>),
/// must be the job's preset on the job's card (or the CPU standing in for it), and is stored as measured on that card; the job is
/// done. A profile that fails the check fails the job with the reason and stores nothing. The same document posted again answers
/// as stored; a different one is 409.
/// </summary>
public sealed class IngestProfileResult(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    public async Task<ProfileResultResponse> PostAsync(long jobId, string json, Actor actor, string? agentId = null, CancellationToken ct = default)
    {
        BurnInAccess.Require(actor, Roles.Agent, "Posting a profile job's result");
        ArgumentNullException.ThrowIfNull(json);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.BurnInJobs.Include(j => j.Cards).Include(j => j.Campaign).FirstOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw new NotFoundException($"No burn-in job {jobId}.");
        if (job.Kind != BurnInCampaignKind.Profile)
        {
            throw new ConcurrencyException($"Job {jobId} is a burn-in job: it takes fleet.burnin/v1 results at /api/agent/jobs/{jobId}/results, not a profile.");
        }

        var card = job.Cards.Single();
        if (await db.StoredProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.BurnInJobId == jobId, ct) is { } existing)
        {
            return existing.Json == json && string.Equals(job.HolderPrincipal ?? actor.Name, actor.Name, StringComparison.Ordinal)
                ? new ProfileResultResponse(jobId, existing.Id, card.Serial, Replayed: true)
                : throw new ConcurrencyException($"Job {jobId} already stored profile {existing.Id}; a different document is not taken.");
        }

        if (BurnInAccess.WhyNotHeld(job, actor, agentId, now) is { } why)
        {
            throw new ConcurrencyException(why);
        }

        StoredProfile stored;
        try
        {
            stored = Read(json, job, card, await db.Gpus.Where(g => g.Id == card.GpuId).Select(g => g.Model!.Name).FirstAsync(ct), now);
        }
        catch (Exception ex) when (ex is DomainException or ValidationException)
        {
            // A profile that breaks its contract will not get better by being posted again: the job fails with the reason.
            job.Fail(ex.Message, now);
            db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInJob), Id(job.Id), AuditActions.Update, null,
                new { State = job.State.ToString(), job.FailureReason }, $"profile refused: {job.FailureReason}"));
            await SaveAsync(db, jobId, ct);
            await IngestBurnInResult.CompleteCampaignIfDoneAsync(db, job.CampaignId, now, ct);
            await db.SaveChangesAsync(ct);
            throw;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.StoredProfiles.Add(stored);
        job.Finish(now);
        await SaveAsync(db, jobId, ct);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(StoredProfile), $"{stored.GpuModel}/{stored.Model}", AuditActions.Create, null,
            new { stored.Id, stored.GpuModel, stored.Model, stored.Dtype, tps = stored.TokensPerSecond, stored.GpuSerial, JobId = jobId },
            $"measured on {card.Serial} by profile job {Id(jobId)}"));
        await IngestBurnInResult.CompleteCampaignIfDoneAsync(db, job.CampaignId, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new ProfileResultResponse(jobId, stored.Id, card.Serial, Replayed: false);
    }

    private static StoredProfile Read(string json, BurnInJob job, BurnInJobCard card, string cardModel, DateTime now)
    {
        if (json.Contains('\0', StringComparison.Ordinal) || json.Contains("\\u0000", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("body", "The profile contains a NUL character (U+0000), which text may not hold.");
        }

        var stored = FinanceService.ReadProfile(json, now);
        var campaign = job.Campaign!;
        if (!string.Equals(stored.Model, campaign.Preset, StringComparison.OrdinalIgnoreCase))
        {
            throw new DomainException($"$.model: job {Id(job.Id)} measures preset '{campaign.Preset}', the profile is of '{stored.Model}'.");
        }

        var standIn = string.Equals(stored.GpuModel, "cpu", StringComparison.Ordinal);
        if (!standIn && !string.Equals(stored.GpuModel, cardModel, StringComparison.Ordinal))
        {
            throw new DomainException($"$.gpuModel: job {Id(job.Id)} measures card {card.Serial}, a {cardModel}; the profile was measured on a {stored.GpuModel}.");
        }

        if (!standIn && !string.Equals(stored.Dtype, campaign.Dtype, StringComparison.OrdinalIgnoreCase))
        {
            throw new DomainException($"$.dtype: job {Id(job.Id)} measures {campaign.Dtype} weights, the profile holds {stored.Dtype}.");
        }

        stored.GpuId = card.GpuId;
        stored.GpuSerial = card.Serial;
        stored.BurnInJobId = job.Id;
        return stored;
    }

    private static async Task SaveAsync(FleetDbContext db, long jobId, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"Job {Id(jobId)} changed meanwhile (its lease ran out or another post won); nothing was stored.");
        }
        catch (DbUpdateException)
        {
            throw new ConcurrencyException($"Job {Id(jobId)} already has a stored profile; nothing more was stored.");
        }
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
