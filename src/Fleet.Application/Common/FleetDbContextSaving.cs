namespace Fleet.Application.Common;

/// <summary>Saving a unit of work where a stale version means someone else won: the caller hears what, not EF's exception.</summary>
internal static class FleetDbContextSaving
{
    /// <summary>Saves <paramref name="db"/>'s changes; a concurrency conflict becomes a <see cref="ConcurrencyException"/> naming <paramref name="what"/>.</summary>
    public static async Task SaveOrConflictAsync(this FleetDbContext db, string what, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"{what} was changed by someone else while you edited it. Reload and try again.");
        }
    }
}
