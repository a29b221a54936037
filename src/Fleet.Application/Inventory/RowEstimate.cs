using System.Data.Common;
using System.Text.Json;

namespace Fleet.Application.Inventory;

/// <summary>The grid's settings (<c>Fleet:Inventory</c>).</summary>
public sealed class InventoryOptions
{
    /// <summary>Above this many estimated matches the grid shows the planner's estimate first, labelled as one.</summary>
    public int ExactCountLimit { get; init; } = 50_000;
}

/// <summary>The query planner's row estimate for a query, where the provider has one (PostgreSQL); else null.</summary>
internal static class RowEstimate
{
    public static async Task<long?> EstimateAsync<T>(FleetDbContext db, IQueryable<T> query, CancellationToken ct)
    {
        if (!DatabaseProviderNames.IsPostgres(db.Database))
        {
            return null;
        }

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using DbCommand command = query.CreateDbCommand();
            command.CommandText = "EXPLAIN (FORMAT JSON) " + command.CommandText;
            var json = await command.ExecuteScalarAsync(ct) as string;
            if (json is null)
            {
                return null;
            }

            using var plan = JsonDocument.Parse(json);
            return (long)plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Three significant figures: an estimate should not look exact.</summary>
    public static int Round(long estimate)
    {
        if (estimate < 1000)
        {
            return (int)estimate;
        }

        var scale = (long)Math.Pow(10, Math.Floor(Math.Log10(estimate)) - 2);
        return (int)Math.Min(int.MaxValue, Math.Round((double)estimate / scale) * scale);
    }
}
