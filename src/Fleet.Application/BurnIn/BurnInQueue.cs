using System.Data.Common;
using Fleet.Domain.BurnIn;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Fleet.Application.BurnIn;

/// <summary>
/// The job queue's claim as one statement: on PostgreSQL the oldest queued job of the host is picked with
/// <c>FOR UPDATE SKIP LOCKED</c> and updated in the same statement; SQLite has one writer at a time, so the same
/// <c>UPDATE … WHERE id = (SELECT … LIMIT 1) AND state = 'Queued' RETURNING id</c> is atomic there. Either way a job has one holder.
/// </summary>
internal static class BurnInQueue
{
    public static bool IsPostgres(FleetDbContext db) => DatabaseProviderNames.IsPostgres(db.Database);

    /// <summary>The claim statement; without <paramref name="profiles"/> it takes only burn-in jobs (an agent that cannot run a profile never gets one).</summary>
    public static string ClaimSql(FleetDbContext db, bool profiles = false)
    {
        var entity = db.Model.FindEntityType(typeof(BurnInJob))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        string C(string property) => "\"" + entity.FindProperty(property)!.GetColumnName(table) + "\"";
        var name = "\"" + table.Name + "\"";
        var pick = $"SELECT {C(nameof(BurnInJob.Id))} FROM {name} WHERE {C(nameof(BurnInJob.HostName))} = @host " +
            $"AND {C(nameof(BurnInJob.State))} = '{nameof(BurnInJobState.Queued)}' AND {C(nameof(BurnInJob.Attempts))} < @max " +
            (profiles ? "" : $"AND {C(nameof(BurnInJob.Kind))} = '{nameof(BurnInCampaignKind.BurnIn)}' ") +
            $"ORDER BY {C(nameof(BurnInJob.Id))} LIMIT 1" + (IsPostgres(db) ? " FOR UPDATE SKIP LOCKED" : "");
        return $"UPDATE {name} SET {C(nameof(BurnInJob.State))} = '{nameof(BurnInJobState.Claimed)}', " +
            $"{C(nameof(BurnInJob.HolderPrincipal))} = @principal, {C(nameof(BurnInJob.HolderAgentId))} = @agent, " +
            $"{C(nameof(BurnInJob.ClaimedAt))} = @now, {C(nameof(BurnInJob.LastHeartbeatAt))} = @now, {C(nameof(BurnInJob.LeaseExpiresAt))} = @lease, " +
            $"{C(nameof(BurnInJob.Attempts))} = {C(nameof(BurnInJob.Attempts))} + 1, {C(nameof(BurnInJob.Phase))} = 'claimed', " +
            $"{C(nameof(BurnInJob.Percent))} = 0, {C(nameof(BurnInJob.Version))} = {C(nameof(BurnInJob.Version))} + 1 " +
            $"WHERE {C(nameof(BurnInJob.Id))} = ({pick}) AND {C(nameof(BurnInJob.State))} = '{nameof(BurnInJobState.Queued)}' " +
            $"RETURNING {C(nameof(BurnInJob.Id))}";
    }

    /// <summary>Claims the host's oldest queued job for the caller inside the context's current transaction; null when there is none.</summary>
    public static async Task<long?> ClaimAsync(FleetDbContext db, string host, string principal, string agentId, DateTime nowUtc, TimeSpan lease,
        CancellationToken ct, bool profiles = false)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = ClaimSql(db, profiles);
        Add(command, "@host", host);
        Add(command, "@max", BurnInJob.MaxAttempts);
        Add(command, "@principal", principal);
        Add(command, "@agent", agentId);
        Add(command, "@now", DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc));
        Add(command, "@lease", DateTime.SpecifyKind(nowUtc + lease, DateTimeKind.Utc));
        var id = await command.ExecuteScalarAsync(ct);
        return id is null or DBNull ? null : Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
