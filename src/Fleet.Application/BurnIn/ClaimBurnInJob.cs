using Fleet.Domain.BurnIn;

namespace Fleet.Application.BurnIn;

/// <summary><c>POST /api/agent/claim</c>: hands the host's next queued job to exactly one agent, or nothing.</summary>
public sealed class ClaimBurnInJob(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, BurnInOptions options)
{
    public async Task<ClaimResponse?> ClaimAsync(ClaimRequest request, Actor actor, CancellationToken ct = default)
    {
        BurnInAccess.Require(actor, Roles.Agent, "Claiming burn-in jobs");
        var host = BurnInAccess.Text(request.Host, "host", 128).ToLowerInvariant();
        var agentId = BurnInAccess.Text(request.AgentId, "agentId", 200);
        var devices = request.Devices ?? [];
        if (devices.Count > 64)
        {
            throw new ValidationException("devices", "An agent reports at most 64 devices.");
        }

        var capabilities = request.Capabilities ?? [];
        if (capabilities.Count > 16)
        {
            throw new ValidationException("capabilities", "An agent names at most 16 capabilities.");
        }

        var profiles = capabilities.Any(c => string.Equals(c?.Trim(), AgentProtocol.ProfileKind, StringComparison.OrdinalIgnoreCase));
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await ExpireBurnInLeases.ExpireAsync(db, now, host, actor, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var id = await BurnInQueue.ClaimAsync(db, host, actor.Name, agentId, now, options.Lease, ct, profiles);
        if (id is null)
        {
            await tx.CommitAsync(ct);
            return null;
        }

        var job = await db.BurnInJobs.AsNoTracking().Include(j => j.Cards).Include(j => j.Campaign).FirstAsync(j => j.Id == id, ct);
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(BurnInJob), job.Id.ToString(CultureInfo.InvariantCulture), AuditActions.Update, null,
            new { State = job.State.ToString(), Kind = job.Kind.ToString(), job.Attempts, agentId, job.LeaseExpiresAt, devices, capabilities },
            string.Create(CultureInfo.InvariantCulture, $"claimed by {agentId} on {host} (attempt {job.Attempts} of {BurnInJob.MaxAttempts})")));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new ClaimResponse(job.Id, job.CampaignId, job.Campaign!.Level.ToString().ToLowerInvariant(), job.Campaign.DurationSeconds,
            options.LeaseSeconds, job.Cards.OrderBy(c => c.Slot).ThenBy(c => c.Serial, StringComparer.Ordinal)
                .Select(c => new ClaimCard(c.Serial, c.Uuid, c.Slot)).ToList(),
            AgentProtocol.Version, AgentProtocol.KindName(job.Kind), job.Campaign.Preset, job.Campaign.Dtype);
    }
}
