using Fleet.Application.Inventory;
using Fleet.Domain.Inventory;

namespace Fleet.Application.Search;

/// <summary>A saved view as its owner sees it; <see cref="Href"/> opens the grid with it.</summary>
public sealed record SavedViewItem(int Id, string Name, string Query, string Href, DateTime CreatedAt);

/// <summary>What <c>POST /api/views</c> takes: a name and the grid's query string (filters, sort, columns).</summary>
public sealed record SaveViewRequest(string? Name, string? Query);

/// <summary>Saved inventory views, each visible to its owner only (another user's view is not found, never shown).</summary>
public sealed class SavedViewService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    /// <summary>Raised after this instance saved or deleted a view (the menu of the same circuit lists them again).</summary>
    public event Action? Changed;

    /// <summary>The grid's parameters a view may hold.</summary>
    public static IReadOnlyList<string> Parameters { get; } = ["status", "datacenter", "model", "search", "sort", "columns"];

    public async Task<IReadOnlyList<SavedViewItem>> ListAsync(string owner, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var views = await db.SavedViews.AsNoTracking().Where(v => v.Owner == owner).OrderBy(v => v.NormalizedName).ToListAsync(ct);
        return [.. views.Select(Item)];
    }

    public async Task<SavedViewItem> CreateAsync(string owner, SaveViewRequest request, CancellationToken ct = default)
    {
        var query = CheckQuery(request.Query);
        var view = SavedView.Create(owner, request.Name, query, time.GetUtcNow().UtcDateTime);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.SavedViews.AnyAsync(v => v.Owner == owner && v.NormalizedName == view.NormalizedName, ct))
        {
            throw Taken(view.Name);
        }

        db.SavedViews.Add(view);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Saved by a second request of the same user in the meantime: the unique index refused this one.
            await using var check = await contexts.CreateDbContextAsync(ct);
            if (await check.SavedViews.AnyAsync(v => v.Owner == owner && v.NormalizedName == view.NormalizedName, ct))
            {
                throw Taken(view.Name);
            }

            throw;
        }

        Changed?.Invoke();
        return Item(view);
    }

    public async Task DeleteAsync(string owner, int id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.SavedViews.Where(v => v.Id == id && v.Owner == owner).ExecuteDeleteAsync(ct) == 0)
        {
            throw new NotFoundException($"You have no saved view {id}.");
        }

        Changed?.Invoke();
    }

    private static DomainException Taken(string name) =>
        new($"You already have a view named '{name}'; choose another name, or delete that view first.");

    private static SavedViewItem Item(SavedView v) =>
        new(v.Id, v.Name, v.Query, v.Query.Length == 0 ? "gpus" : "gpus?" + v.Query, v.CreatedAt);

    /// <summary>The query string with only the grid's parameters and a known sort, else a 400 naming the first that is not.</summary>
    private static string CheckQuery(string? query)
    {
        var q = (query ?? "").Trim().TrimStart('?');
        foreach (var pair in q.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (!Parameters.Contains(key, StringComparer.Ordinal))
            {
                throw new ValidationException("query", $"A view holds only the grid's parameters ({string.Join(", ", Parameters)}); got '{key}'.");
            }

            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            if (key == "sort" && !InventoryService.SortFields.Contains(value.TrimStart('-'), StringComparer.OrdinalIgnoreCase))
            {
                throw new ValidationException("query", $"Unknown sort field '{value}'. Valid: {string.Join(", ", InventoryService.SortFields)}.");
            }
        }

        return q;
    }
}
