using System.Linq.Expressions;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Rma;

namespace Fleet.Application.Inventory;

/// <summary>The inventory's reads and its lifecycle writes; one short-lived context per call.</summary>
public sealed class InventoryService(
    IDbContextFactory<FleetDbContext> contexts, TimeProvider time, ICursorProtector cursors, InventoryOptions options)
{
    public const int MaxPageSize = 500;

    /// <summary>The sort fields, by their JSON names.</summary>
    public static IReadOnlyList<string> SortFields { get; } =
        ["serial", "uuid", "assetTag", "model", "status", "datacenter", "host", "unitCost", "poNumber", "receivedAt", "warrantyEndsAt"];

    public async Task<GpuListPage> ListAsync(GpuQuery query, CancellationToken ct = default)
    {
        if (query.Page < 1)
        {
            throw new ValidationException("page", $"page must be 1 or more, got {query.Page}.");
        }

        if (query.PageSize is < 1 or > MaxPageSize)
        {
            throw new ValidationException("pageSize", $"pageSize must be between 1 and {MaxPageSize}, got {query.PageSize}.");
        }

        if (query.After is not null && query.Before is not null)
        {
            throw new ValidationException("before", "Send after= or before=, not both.");
        }

        if ((query.After ?? query.Before) is not null && query.Page != 1)
        {
            throw new ValidationException("page", "A cursor (after= or before=) says where the page starts; leave page= out with it.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var filter = await FilterBranchesAsync(db, query, ct);
        var filtered = filter.All;
        var pager = await GpuPager.CreateAsync(db, query.Sort, ct);
        var filters = Fingerprint(query);
        var backward = query.Before is not null;
        var from = (query.After ?? query.Before) is { } token
            ? GpuCursor.Decode(cursors, token, backward ? "before" : "after", pager.SortKey, filters)
            : null;

        // A text search on PostgreSQL: its page merges each searched column's first rows (each column's own index, in
        // the sort's order), and its total is counted (or estimated) meanwhile on a second connection, each doing one
        // scan of the trigram indexes on its own core.
        using var counting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var total = filter.Branches is null || filter.Combos is not null ? null : CountAsync(query, counting.Token);

        // One row more than the page says whether there is another page that way.
        List<GpuPager.Row> rows;
        try
        {
            rows = await pager.ReadAsync(filter, from, backward, query.PageSize + 1, (query.Page - 1) * query.PageSize, ct);
        }
        catch when (total is not null)
        {
            // The page's error is the answer; the count on the other connection ends first.
            await ((Task)total).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        var more = rows.Count > query.PageSize;
        if (more)
        {
            rows.RemoveAt(backward ? 0 : rows.Count - 1);
        }

        var atStart = backward ? !more : from is null && query.Page == 1;
        var atEnd = backward ? from is null || from.End : !more;

        // A first page that holds every match is its own exact total (a count on the other connection stops); otherwise
        // the count follows the page, or is the one that ran meanwhile.
        (int, bool) counted;
        if (from is null && query.Page == 1 && !more)
        {
            await counting.CancelAsync();
            if (total is not null)
            {
                await ((Task)total).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            counted = (rows.Count, false);
        }
        else
        {
            counted = total is null ? await CountAsync(db, filtered.Select(g => g.Id), query.ExactCount, ct) : await total;
        }
        var (count, estimate) = counted;
        string? Cursor(GpuPager.Row row) => pager.Locate(row, filters).Encode(cursors);
        return new GpuListPage(count, estimate, [.. rows.Select(r => r.Item)],
            atEnd || rows.Count == 0 ? null : Cursor(rows[^1]),
            atStart || rows.Count == 0 ? null : Cursor(rows[0]),
            pager.End(filters).Encode(cursors));
    }

    /// <summary>Counts the matches, or where an exact count would cost more than the page (a large match), estimates them.</summary>
    public async Task<(int Total, bool IsEstimate)> CountAsync(GpuQuery query, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var filter = await FilterBranchesAsync(db, query, ct);
        // A search's matches are the union of its branches' cards, each read by its own index (a rack row's 34,000 cards
        // by the host index: 19 ms), where the OR of the columns rechecked every column's LIKE on each of them (78 ms).
        var matches = filter is { Branches: { Count: > 0 } branches, Combos: null }
            ? branches.Select(b => b.Select(g => g.Id)).Aggregate((a, b) => a.Union(b))
            : filter.All.Select(g => g.Id);
        return await CountAsync(db, matches, query.ExactCount, ct);
    }

    private async Task<(int Total, bool IsEstimate)> CountAsync(FleetDbContext db, IQueryable<int> filtered, bool exact, CancellationToken ct)
    {
        if (!exact && await RowEstimate.EstimateAsync(db, filtered, ct) is { } estimated && estimated > options.ExactCountLimit)
        {
            return (RowEstimate.Round(estimated), true);
        }

        return (await filtered.CountAsync(ct), false);
    }

    /// <summary>The filters as a cursor remembers them: a cursor works only for the query it came from.</summary>
    private static string Fingerprint(GpuQuery query)
    {
        // The same set of values in any order or case is the same filter.
        static string Set(string? list) =>
            string.Join(',', GpuQuery.Values(list).Select(v => v.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal));
        return string.Join('\u001f', Set(query.Status), Set(query.Datacenter), Set(query.Model), query.Search?.Trim().ToUpperInvariant() ?? "");
    }

    /// <summary>Streams every card the filters select, in the requested order (exports).</summary>
    public async IAsyncEnumerable<GpuListItem> StreamAsync(GpuQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var filtered = await FilterAsync(db, query, ct);
        await foreach (var item in Project(Sort(filtered, query.Sort)).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return item;
        }
    }

    /// <summary>Applies the grid's filters, refusing unknown values with the parameter's name.</summary>
    internal static async Task<IQueryable<Gpu>> FilterAsync(FleetDbContext db, GpuQuery query, CancellationToken ct) =>
        (await FilterBranchesAsync(db, query, ct)).All;

    /// <summary>
    /// The grid's filters as one query, and on PostgreSQL with a text search also as one query per searched column
    /// (each with the other filters), whose union is the same cards: <see cref="GpuPager.ReadAsync"/> reads a page from
    /// each column's own index in the sort's order and merges them, instead of sorting every match of the OR.
    /// </summary>
    internal static async Task<GpuFilter> FilterBranchesAsync(FleetDbContext db, GpuQuery query, CancellationToken ct)
    {
        IQueryable<Gpu> gpus = db.Gpus.AsNoTracking();
        var kept = new List<Expression<Func<Gpu, bool>>>();
        void Keep(Expression<Func<Gpu, bool>> condition)
        {
            kept.Add(condition);
            gpus = gpus.Where(condition);
        }

        List<GpuStatus>? statusSet = null;
        List<int>? datacenterSet = null, modelSet = null;
        if (GpuQuery.Values(query.Status) is { Count: > 0 } statusNames)
        {
            var statuses = new List<GpuStatus>(statusNames.Count);
            foreach (var name in statusNames)
            {
                statuses.Add(GpuLifecycle.TryParse(name, out var status) ? status
                    : throw new ValidationException("status",
                        $"Unknown status '{name}'. Valid statuses: {string.Join(", ", Enum.GetNames<GpuStatus>())}."));
            }

            statusSet = statuses.Distinct().ToList();
            Keep(OneOf(statusSet, s => g => g.Status == s, list => g => list.Contains(g.Status)));
        }

        if (GpuQuery.Values(query.Datacenter) is { Count: > 0 } codes)
        {
            var known = await db.Datacenters.AsNoTracking().Select(d => new { d.Id, d.Code }).ToListAsync(ct);
            var ids = codes.Select(c => known.FirstOrDefault(d => string.Equals(d.Code, c, StringComparison.OrdinalIgnoreCase))?.Id
                ?? throw new ValidationException("datacenter",
                    $"Unknown datacenter '{c}'. Known: {string.Join(", ", known.Select(d => d.Code).Order(StringComparer.Ordinal))}.")).Distinct().ToList();
            datacenterSet = ids;
            Keep(OneOf(ids, id => g => g.DatacenterId == id, list => g => g.DatacenterId != null && list.Contains(g.DatacenterId.Value)));
        }

        if (GpuQuery.Values(query.Model) is { Count: > 0 } names)
        {
            var known = await db.GpuModels.AsNoTracking().Select(m => new { m.Id, m.Name }).ToListAsync(ct);
            var ids = names.Select(n => known.FirstOrDefault(m => string.Equals(m.Name, n, StringComparison.OrdinalIgnoreCase))?.Id
                ?? throw new ValidationException("model",
                    $"Unknown model '{n}'. Known: {string.Join(", ", known.Select(m => m.Name).Order(StringComparer.Ordinal))}.")).Distinct().ToList();
            modelSet = ids;
            Keep(OneOf(ids, id => g => g.GpuModelId == id, list => g => list.Contains(g.GpuModelId)));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            // upper(column) LIKE '%TERM%': the shape the trigram indexes (PostgreSQL) serve, prefix and substring alike.
            var pattern = LikePattern.Contains(query.Search);
            var hosts = db.Hosts.Where(h => EF.Functions.Like(h.Hostname.ToUpper(), pattern, LikeEscape)).Select(h => h.Id);
            if (FullTextIds(db, query.Search) is { } fts)
            {
                var hostIds = await hosts.Take(MaxSearchHosts + 1).ToListAsync(ct);
                // SQLite: the FTS5 trigram index finds the candidates (a superset: it folds case beyond ASCII), LIKE decides.
                gpus = hostIds.Count <= MaxSearchHosts
                    ? gpus.Where(g => (fts.Contains(g.Id) && (
                            EF.Functions.Like(g.Serial.ToUpper(), pattern, LikeEscape) ||
                            (g.Uuid != null && EF.Functions.Like(g.Uuid.ToUpper(), pattern, LikeEscape)) ||
                            (g.AssetTag != null && EF.Functions.Like(g.AssetTag.ToUpper(), pattern, LikeEscape)) ||
                            (g.PoNumber != null && EF.Functions.Like(g.PoNumber.ToUpper(), pattern, LikeEscape)))) ||
                        (g.HostId != null && hostIds.Contains(g.HostId.Value)))
                    : gpus.Where(g => (fts.Contains(g.Id) && (
                            EF.Functions.Like(g.Serial.ToUpper(), pattern, LikeEscape) ||
                            (g.Uuid != null && EF.Functions.Like(g.Uuid.ToUpper(), pattern, LikeEscape)) ||
                            (g.AssetTag != null && EF.Functions.Like(g.AssetTag.ToUpper(), pattern, LikeEscape)) ||
                            (g.PoNumber != null && EF.Functions.Like(g.PoNumber.ToUpper(), pattern, LikeEscape)))) ||
                        (g.HostId != null && hosts.Contains(g.HostId.Value)));
            }
            else
            {
                // PostgreSQL: the OR of the text indexes (a bitmap OR). Hosts and PO numbers are resolved first (few rows:
                // the hosts' trigram index, the distinct PO numbers by a skip scan), so their cards come from the host and
                // PO-number indexes as id or value lists instead of a LIKE on tens of thousands of cards of one order.
                var poNumbers = await MatchingPoNumbersAsync(db, pattern, ct);
                Expression<Func<Gpu, bool>> po = poNumbers is null
                    ? g => g.PoNumber != null && EF.Functions.Like(g.PoNumber.ToUpper(), pattern, LikeEscape)
                    : g => g.PoNumber != null && poNumbers.Contains(g.PoNumber);
                var host = HostNameLike(pattern);
                Expression<Func<Gpu, bool>>[] columns =
                [
                    g => EF.Functions.Like(g.Serial.ToUpper(), pattern, LikeEscape),
                    g => g.Uuid != null && EF.Functions.Like(g.Uuid.ToUpper(), pattern, LikeEscape),
                    g => g.AssetTag != null && EF.Functions.Like(g.AssetTag.ToUpper(), pattern, LikeEscape),
                    po,
                    host,
                ];

                // A few matching PO numbers are a branch each: `po_number = $1 ORDER BY serial` walks the
                // (po_number, serial, id) index in order, where `= ANY($1)` walked every serial (0.4 s at a million).
                IEnumerable<Expression<Func<Gpu, bool>>> branches = poNumbers is { Count: <= MaxPoNumberBranches }
                    ? [.. columns.Where(c => c != po), .. poNumbers.Select(PoNumberIs)]
                    : columns;
                var hostCards = await HostBranchAsync(db, pattern, ct);
                IQueryable<Gpu> Branch(Expression<Func<Gpu, bool>> column) =>
                    kept.Aggregate(column == host ? hostCards! : db.Gpus.AsNoTracking().Where(column), (q, c) => q.Where(c));
                return new GpuFilter(gpus.Where(AnyOf(columns)), [.. branches.Where(b => b != host || hostCards is not null).Select(Branch)]);
            }
        }

        // Unfiltered, a status, model or datacenter sort reads each of its sections by combination too: one value's cards
        // in id order from the primary key walk past the other values' (ids run with the model and the delivery).
        var segmented = query.Sort?.Trim().TrimStart('-', '+').ToUpperInvariant() is "STATUS" or "MODEL" or "DATACENTER";
        // The combinations stand for the status, datacenter and model filters only: with a text search (SQLite's, or
        // PostgreSQL's past its branches) the page is one query.
        if ((statusSet is null && datacenterSet is null && modelSet is null && !segmented) || !string.IsNullOrWhiteSpace(query.Search))
        {
            return new GpuFilter(gpus, null);
        }

        // Every combination of the chosen (or, for a filter not given, every) status, datacenter and model is one branch.
        IReadOnlyList<GpuStatus> statusValues = statusSet ?? [.. Enum.GetValues<GpuStatus>()];
        // Only the datacenters and models that hold cards (one index probe each): the catalog lists models nobody bought.
        IReadOnlyList<int?> datacenterValues = datacenterSet?.Select(id => (int?)id).ToList()
            ?? [.. await db.Datacenters.AsNoTracking().Where(d => db.Gpus.Any(g => g.DatacenterId == d.Id)).OrderBy(d => d.Id)
                .Select(d => (int?)d.Id).ToListAsync(ct), null];
        IReadOnlyList<int> modelValues = modelSet ?? await db.GpuModels.AsNoTracking().Where(m => db.Gpus.Any(g => g.GpuModelId == m.Id))
            .OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(ct);
        if (statusValues.Count * datacenterValues.Count * modelValues.Count > MaxComboBranches * 8)
        {
            return new GpuFilter(gpus, null);
        }

        var combos = (from st in statusValues from dc in datacenterValues from model in modelValues select new GpuCombo(st, dc, model)).ToList();
        var cards = db.Gpus.AsNoTracking();
        return new GpuFilter(gpus, [.. combos.Select(c => cards.Where(ComboIs(c)))], combos);
    }

    /// <summary>Most combinations of status, datacenter and model a page's section reads as one branch each.</summary>
    internal const int MaxComboBranches = 96;

    private static Expression<Func<Gpu, bool>> ComboIs(GpuCombo combo)
    {
        var (status, datacenter, model) = combo;
        return datacenter is { } dc
            ? g => g.Status == status && g.DatacenterId == dc && g.GpuModelId == model
            : g => g.Status == status && g.DatacenterId == null && g.GpuModelId == model;
    }

    /// <summary>
    /// On PostgreSQL, the distinct PO numbers that match <paramref name="pattern"/>, found by a skip scan of the
    /// (po_number, serial, id) index (one probe per number, not per card); null elsewhere, or when more than
    /// <see cref="MaxSearchPoNumbers"/> match (the LIKE then decides).
    /// </summary>
    private static async Task<List<string>?> MatchingPoNumbersAsync(FleetDbContext db, string pattern, CancellationToken ct)
    {
        if (!DatabaseProviderNames.IsPostgres(db.Database))
        {
            return null;
        }

        var numbers = await db.Database.SqlQuery<string>($"""
            WITH RECURSIVE po(n) AS (
                (SELECT po_number FROM gpus WHERE po_number IS NOT NULL ORDER BY po_number LIMIT 1)
                UNION ALL
                SELECT (SELECT g.po_number FROM gpus g WHERE g.po_number > po.n ORDER BY g.po_number LIMIT 1) FROM po WHERE po.n IS NOT NULL)
            SELECT n AS "Value" FROM po WHERE n IS NOT NULL AND upper(n) LIKE {pattern} ESCAPE '\' LIMIT {MaxSearchPoNumbers + 1}
            """).ToListAsync(ct);
        return numbers.Count > MaxSearchPoNumbers ? null : numbers;
    }

    /// <summary>Most matching PO numbers that a grid search reads as one branch each.</summary>
    private const int MaxPoNumberBranches = 8;

    private static Expression<Func<Gpu, bool>> PoNumberIs(string number) => g => g.PoNumber == number;

    /// <summary>The OR of several conditions on a card, as one expression a query provider translates.</summary>
    private static Expression<Func<Gpu, bool>> AnyOf(params Expression<Func<Gpu, bool>>[] conditions)
    {
        var card = Expression.Parameter(typeof(Gpu), "g");
        var body = conditions.Select(c => new ParameterSwap(c.Parameters[0], card).Visit(c.Body)).Aggregate(Expression.OrElse);
        return Expression.Lambda<Func<Gpu, bool>>(body, card);
    }

    private sealed class ParameterSwap(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }

    /// <summary>
    /// The first <paramref name="take"/> cards in (serial, id) order among those the grid's <c>search=</c> finds for
    /// <paramref name="term"/> (the top bar's card group). Each searched column is asked on its own, ordered and limited
    /// (so each uses its own index: the trigram index for few matches, the serial index walked in order for many), and
    /// the first <paramref name="take"/> of the union of those candidates is the first <paramref name="take"/> of all
    /// matches; no query sorts every match of an OR, which at a million cards sorted thousands of rows to return six.
    /// </summary>
    internal static async Task<List<GpuListItem>> SearchFirstAsync(
        IDbContextFactory<FleetDbContext> contexts, string term, int take, CancellationToken ct)
    {
        var pattern = LikePattern.Contains(term);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var postgres = DatabaseProviderNames.IsPostgres(db.Database);
        var fts = FullTextIds(db, term);
        Func<FleetDbContext, Task<IQueryable<Gpu>>>[] branches = fts is not null ?
        [
            // SQLite: one FTS5 lookup for the four columns, LIKE rechecking its candidates.
            c => Task.FromResult(Cards(c).Where(g => fts.Contains(g.Id) && (
                EF.Functions.Like(g.Serial.ToUpper(), pattern, LikeEscape) ||
                (g.Uuid != null && EF.Functions.Like(g.Uuid.ToUpper(), pattern, LikeEscape)) ||
                (g.AssetTag != null && EF.Functions.Like(g.AssetTag.ToUpper(), pattern, LikeEscape)) ||
                (g.PoNumber != null && EF.Functions.Like(g.PoNumber.ToUpper(), pattern, LikeEscape))))),
            HostBranchOnAsync,
        ] :
        [
            c => Task.FromResult(Cards(c).Where(g => EF.Functions.Like(g.Serial.ToUpper(), pattern, LikeEscape))),
            c => Task.FromResult(Cards(c).Where(g => g.Uuid != null && EF.Functions.Like(g.Uuid.ToUpper(), pattern, LikeEscape))),
            c => Task.FromResult(Cards(c).Where(g => g.AssetTag != null && EF.Functions.Like(g.AssetTag.ToUpper(), pattern, LikeEscape))),
            PoNumberBranchAsync,
            HostBranchOnAsync,
        ];

        // Each branch's first ids. On PostgreSQL the branches run at once, each on its own connection, so the card group
        // costs its slowest branch rather than the sum of five (a SQLite file is read one branch after another).
        async Task<List<int>> FirstIds(Func<FleetDbContext, Task<IQueryable<Gpu>>> branch, FleetDbContext c) =>
            await (await branch(c)).OrderBy(g => g.Serial).ThenBy(g => g.Id).Select(g => g.Id).Take(take).ToListAsync(ct);
        var candidates = new HashSet<int>();
        if (postgres)
        {
            foreach (var ids in await Task.WhenAll(branches.Select(async branch =>
            {
                await using var c = await contexts.CreateDbContextAsync(ct);
                return await FirstIds(branch, c);
            })))
            {
                candidates.UnionWith(ids);
            }
        }
        else
        {
            foreach (var branch in branches)
            {
                candidates.UnionWith(await FirstIds(branch, db));
            }
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var found = candidates.ToList();
        return await Project(Sort(Cards(db).Where(g => found.Contains(g.Id)), "serial")).Take(take).ToListAsync(ct);

        static IQueryable<Gpu> Cards(FleetDbContext c) => c.Gpus.AsNoTracking();

        // A PO number is shared by thousands of cards whose serials the planner cannot place: walking the serial index
        // until six of them turn up read the whole index at a million cards. On PostgreSQL the distinct numbers come
        // from a skip scan of the (po_number, serial, id) index (one probe per number, not per card), and each matching
        // number's first cards from the same index, stopped after the limit: their union holds the branch's first
        // cards in serial order, for a term of any length (no trigram needed).
        async Task<IQueryable<Gpu>> PoNumberBranchAsync(FleetDbContext c)
        {
            if (!postgres)
            {
                return Cards(c).Where(g => g.PoNumber != null && EF.Functions.Like(g.PoNumber.ToUpper(), pattern, LikeEscape));
            }

            var ids = await c.Database.SqlQuery<int>($"""
                WITH RECURSIVE po(n) AS (
                    (SELECT po_number FROM gpus WHERE po_number IS NOT NULL ORDER BY po_number LIMIT 1)
                    UNION ALL
                    SELECT (SELECT g.po_number FROM gpus g WHERE g.po_number > po.n ORDER BY g.po_number LIMIT 1) FROM po WHERE po.n IS NOT NULL)
                SELECT first.id AS "Value" FROM po
                CROSS JOIN LATERAL (SELECT g.id FROM gpus g WHERE g.po_number = po.n ORDER BY g.serial, g.id LIMIT {take}) first
                WHERE po.n IS NOT NULL AND upper(po.n) LIKE {pattern} ESCAPE '\'
                """).ToListAsync(ct);
            return Cards(c).Where(g => ids.Contains(g.Id));
        }

        async Task<IQueryable<Gpu>> HostBranchOnAsync(FleetDbContext c) => await HostBranchAsync(c, pattern, ct) ?? Cards(c).Where(g => false);
    }

    /// <summary>
    /// On PostgreSQL, a search's cards by the cards' own host-name column (kept by triggers), through its trigram index
    /// like the other searched columns: the whole filter's host column (exports, the grid's estimate) and, past
    /// <see cref="MaxFencedHosts"/>, the host branch itself.
    /// </summary>
    private static Expression<Func<Gpu, bool>> HostNameLike(string pattern) =>
        g => EF.Property<string?>(g, GpuColumns.HostName) != null
            && EF.Functions.Like(EF.Property<string>(g, GpuColumns.HostName).ToUpper(), pattern, LikeEscape);

    /// <summary>
    /// On PostgreSQL, the search's host branch, as a query to order and page: null when no host matches. Up to
    /// <see cref="MaxFencedHosts"/> matching hosts (a host, a rack, a rack row: at a million cards `fra1-r10` names 4,440
    /// hosts, 34,294 cards), their cards by the (host_id, id) index, behind a fence (OFFSET 0), the page sorted from them:
    /// the host ids are an array the query computes (an InitPlan), so the planner, not knowing how many, reads them by
    /// index. Given the ids (a parameter) it knew, and at 34,000 cards chose a parallel scan of the table (117 ms); left
    /// unfenced it walked the sort key's index and filtered each card (80 ms for 3,414 cards whose serials sit together
    /// at 1,111 hosts); through the host-name trigram index it rechecked every card's LIKE (48 ms; now 25). More hosts
    /// than that are a large part of the fleet: the sort key's index walked in order meets a page of them at once.
    /// </summary>
    private static async Task<IQueryable<Gpu>?> HostBranchAsync(FleetDbContext db, string pattern, CancellationToken ct)
    {
        var hosts = db.Hosts.Where(h => EF.Functions.Like(h.Hostname.ToUpper(), pattern, LikeEscape)).Select(h => h.Id);
        var cards = db.Gpus.AsNoTracking();
        if (!DatabaseProviderNames.IsPostgres(db.Database))
        {
            // SQLite: the hosts' ids as a list, or past MaxSearchHosts as a subquery.
            var ids = await hosts.Take(MaxSearchHosts + 1).ToListAsync(ct);
            return ids.Count == 0 ? null
                : ids.Count <= MaxSearchHosts ? cards.Where(g => g.HostId != null && ids.Contains(g.HostId.Value))
                : cards.Where(g => g.HostId != null && hosts.Contains(g.HostId.Value));
        }

        return await hosts.Take(MaxFencedHosts + 1).CountAsync(ct) switch
        {
            0 => null,
            <= MaxFencedHosts => db.Gpus.FromSql($"""
                SELECT * FROM gpus
                WHERE host_id = ANY(ARRAY(SELECT h.id FROM hosts h WHERE upper(h.hostname) LIKE {pattern} ESCAPE '\'))
                OFFSET 0
                """).AsNoTracking(),
            _ => cards.Where(HostNameLike(pattern)),
        };
    }

    /// <summary>Most hosts a search's host branch reads card by card (about 48,000 cards); more are walked in the sort's order.</summary>
    private const int MaxFencedHosts = 6000;

    /// <summary>The shortest term the SQLite FTS5 trigram index (<c>gpus_search</c>) answers; shorter ones are LIKE scans.</summary>
    internal const int FullTextMinLength = 3;

    /// <summary>
    /// On SQLite, the ids of the cards whose serial, UUID, asset tag or PO number contains the term by the FTS5 trigram
    /// index (the term as one quoted phrase); null on PostgreSQL (its trigram indexes serve LIKE itself) and for short terms.
    /// </summary>
    private static IQueryable<int>? FullTextIds(FleetDbContext db, string term)
    {
        term = term.Trim();
        if (term.Length < FullTextMinLength || db.Database.ProviderName?.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }

        var phrase = "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        return db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM gpus_search WHERE gpus_search MATCH {phrase}");
    }

    /// <summary>
    /// One value is an equality (the plans the single-value indexes were chosen for); several are an IN list, which
    /// PostgreSQL serves from the same (column, id) indexes.
    /// </summary>
    private static Expression<Func<Gpu, bool>> OneOf<T>(List<T> values, Func<T, Expression<Func<Gpu, bool>>> one,
        Func<List<T>, Expression<Func<Gpu, bool>>> any) =>
        values.Count == 1 ? one(values[0]) : any(values);

    private const string LikeEscape = LikePattern.Escape;
    private const int MaxSearchHosts = 2000;
    private const int MaxSearchPoNumbers = 2000;

    internal static IQueryable<Gpu> Sort(IQueryable<Gpu> gpus, string? sort)
    {
        var field = string.IsNullOrWhiteSpace(sort) ? "serial" : sort.Trim();
        var descending = field.StartsWith('-');
        field = field.TrimStart('-', '+');
        IOrderedQueryable<Gpu> Order<TKey>(Expression<Func<Gpu, TKey>> key) =>
            descending ? gpus.OrderByDescending(key) : gpus.OrderBy(key);

        // Empty values sort last in both directions, the same on every provider.
        IOrderedQueryable<Gpu> OrderNullsLast<TKey>(Expression<Func<Gpu, bool>> isNull, Expression<Func<Gpu, TKey>> key)
        {
            var nullsLast = gpus.OrderBy(isNull);
            return descending ? nullsLast.ThenByDescending(key) : nullsLast.ThenBy(key);
        }

        var ordered = field.ToUpperInvariant() switch
        {
            "SERIAL" => Order(g => g.Serial),
            "UUID" => OrderNullsLast(g => g.Uuid == null, g => g.Uuid),
            "ASSETTAG" => OrderNullsLast(g => g.AssetTag == null, g => g.AssetTag),
            "MODEL" => Order(g => g.Model!.Name),
            "STATUS" => Order(g => g.Status),
            "DATACENTER" => OrderNullsLast(g => g.DatacenterId == null, g => g.Datacenter!.Code),
            "HOST" => OrderNullsLast(g => g.HostId == null, g => g.Host!.Hostname),
            // SQLite cannot order decimals; as a double the order is the same for money amounts.
            "UNITCOST" => OrderNullsLast(g => g.UnitCost == null, g => (double?)g.UnitCost),
            "PONUMBER" => OrderNullsLast(g => g.PoNumber == null, g => g.PoNumber),
            // Every received card has a date, so this sort can walk the (status, datacenter, received_at, id) index.
            "RECEIVEDAT" => Order(g => g.ReceivedAt),
            "WARRANTYENDSAT" => OrderNullsLast(g => g.WarrantyEndsAt == null, g => g.WarrantyEndsAt),
            _ => throw new ValidationException("sort",
                $"Unknown sort field '{field}'. Valid: {string.Join(", ", SortFields)} (prefix '-' for descending)."),
        };
        // The tie-breaker follows the direction, so one index serves both directions.
        return descending ? ordered.ThenByDescending(g => g.Id) : ordered.ThenBy(g => g.Id);
    }

    internal static IQueryable<GpuListItem> Project(IQueryable<Gpu> gpus) => gpus.Select(g => new GpuListItem(
        g.Serial, g.Uuid, g.AssetTag, g.Model!.Name, g.Status, g.Datacenter != null ? g.Datacenter.Code : null,
        g.Host != null ? g.Host.Hostname : null, g.Slot, g.UnitCost, g.Currency, g.PoNumber, g.ReceivedAt, g.WarrantyEndsAt, g.Version));

    public async Task<GpuDetail> GetAsync(string serial, string? role = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var item = await Project(db.Gpus.AsNoTracking().Where(g => g.Serial == serial)).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"No GPU with serial '{serial}'.");
        var gpu = await db.Gpus.AsNoTracking().Include(g => g.Model).FirstAsync(g => g.Serial == serial, ct);
        var placements = await db.GpuPlacements.AsNoTracking().Where(p => p.GpuId == gpu.Id)
            .OrderByDescending(p => p.From).ThenByDescending(p => p.Id)
            .Select(p => new PlacementItem(p.Host!.Rack!.Datacenter!.Code, p.Host.Rack.Name, p.Host.Hostname, p.Slot, p.PciBusId, p.From, p.To))
            .ToListAsync(ct);
        var replaces = gpu.ReplacesGpuId is null ? null
            : await db.Gpus.Where(g => g.Id == gpu.ReplacesGpuId).Select(g => g.Serial).FirstOrDefaultAsync(ct);
        var count = await db.Gpus.CountAsync(g => g.GpuModelId == gpu.GpuModelId, ct);
        var m = gpu.Model!;
        var spec = new GpuModelItem(m.Name, m.Vendor, m.Architecture, m.FormFactor, m.MemoryGb, m.MemoryBandwidthTbs, m.Fp64Tflops,
            m.Fp32Tflops, m.Tf32Tflops, m.Fp16Tflops, m.Bf16Tflops, m.Fp8Tflops, m.TdpW, m.TypicalPriceUsd, count);
        var allowed = role is null ? GpuLifecycle.AllowedFrom(gpu.Status) : GpuLifecycle.AllowedFrom(gpu.Status, role);
        var rma = await db.RmaCases.AsNoTracking().Where(c => c.GpuId == gpu.Id)
            .OrderBy(c => c.Status == RmaStatus.Closed).ThenByDescending(c => c.OpenedAt).ThenByDescending(c => c.Id)
            .Select(c => new { c.Id, c.Status, c.ReplacementGpuId }).FirstOrDefaultAsync(ct);
        var replacedBy = rma?.ReplacementGpuId is { } replacementId
            ? await db.Gpus.Where(g => g.Id == replacementId).Select(g => g.Serial).FirstOrDefaultAsync(ct)
            : null;
        return new GpuDetail(item, gpu.BoardPartNumber, gpu.Vbios, gpu.InServiceAt, gpu.Notes, replaces, spec, placements, allowed,
            rma is null ? null : new GpuRmaLink(rma.Id, rma.Status), replacedBy);
    }

    public async Task<IReadOnlyList<AuditItem>> HistoryAsync(string serial, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Gpus.AnyAsync(g => g.Serial == serial, ct))
        {
            throw new NotFoundException($"No GPU with serial '{serial}'.");
        }

        var items = await db.AuditEntries.AsNoTracking()
            .Where(a => a.EntityType == nameof(Gpu) && a.EntityKey == serial)
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Select(a => new AuditItem(a.At, a.Actor, a.Action, a.Message, a.BeforeJson, a.AfterJson, a.RequestId, null))
            .ToListAsync(ct);
        var references = await AuditReferencesAsync(db, items, ct);
        return [.. items.Select(i => i with { References = references })];
    }

    /// <summary>Names for the model, datacenter and host ids that the snapshots mention (ids no longer present stay unnamed).</summary>
    private static async Task<IReadOnlyDictionary<string, string>> AuditReferencesAsync(
        FleetDbContext db, IReadOnlyList<AuditItem> items, CancellationToken ct)
    {
        var ids = AuditLog.ReferencedIds(items.SelectMany(i => new[] { i.BeforeJson, i.AfterJson }));
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.TryGetValue(AuditLog.ModelField, out var models))
        {
            foreach (var m in await db.GpuModels.Where(m => models.Contains(m.Id)).Select(m => new { m.Id, m.Name }).ToListAsync(ct))
            {
                names[$"{AuditLog.ModelField}:{m.Id}"] = m.Name;
            }
        }

        if (ids.TryGetValue(AuditLog.DatacenterField, out var datacenters))
        {
            foreach (var d in await db.Datacenters.Where(d => datacenters.Contains(d.Id)).Select(d => new { d.Id, d.Code }).ToListAsync(ct))
            {
                names[$"{AuditLog.DatacenterField}:{d.Id}"] = d.Code;
            }
        }

        if (ids.TryGetValue(AuditLog.HostField, out var hosts))
        {
            foreach (var h in await db.Hosts.Where(h => hosts.Contains(h.Id)).Select(h => new { h.Id, h.Hostname }).ToListAsync(ct))
            {
                names[$"{AuditLog.HostField}:{h.Id}"] = h.Hostname;
            }
        }

        return names;
    }

    /// <summary>Moves a card through the lifecycle, audited; a stale <see cref="TransitionRequest.ExpectedVersion"/> is refused.</summary>
    public async Task<GpuListItem> TransitionAsync(string serial, TransitionRequest request, Actor actor, CancellationToken ct = default)
    {
        var to = TransitionInput.Target(request.To, request.Message);

        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpu = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).FirstOrDefaultAsync(g => g.Serial == serial, ct)
            ?? throw new NotFoundException($"No GPU with serial '{serial}'.");
        if (request.ExpectedVersion is { } expected && expected != gpu.Version)
        {
            throw new ConcurrencyException(
                $"GPU {serial} was changed by someone else (version {gpu.Version}, you had {expected}). Reload and try again.");
        }

        if (GpuLifecycle.Find(gpu.Status, to) is { ViaRmaCase: true })
        {
            var open = await db.RmaCases.AsNoTracking().Where(c => c.GpuId == gpu.Id && c.Status != RmaStatus.Closed)
                .Select(c => new { c.Id, c.Status }).FirstOrDefaultAsync(ct);
            throw new DomainException(open is null
                ? $"GPU {serial} moves from {gpu.Status} to {to} only through an RMA case: open one for it on the RMA page (/rma)."
                : $"GPU {serial} has RMA case {open.Id} ({open.Status}); it moves from {gpu.Status} to {to} only through that case (/rma/{open.Id}).");
        }

        var before = AuditLog.GpuState(gpu);
        var now = time.GetUtcNow().UtcDateTime;
        var record = gpu.TransitionTo(to, actor.Name, actor.Role, now, request.Message?.Trim());
        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(Gpu), serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
            $"{record.From} → {record.To}" + (string.IsNullOrWhiteSpace(request.Message) ? "" : $": {request.Message.Trim()}")));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyException($"GPU {serial} was changed by someone else while you edited it. Reload and try again.");
        }

        return await Project(db.Gpus.AsNoTracking().Where(g => g.Id == gpu.Id)).FirstAsync(ct);
    }

    public async Task<IReadOnlyList<DatacenterItem>> DatacentersAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpus = await db.Gpus.Where(g => g.DatacenterId != null).GroupBy(g => g.DatacenterId)
            .Select(g => new { Id = g.Key!.Value, Count = g.Count() }).ToDictionaryAsync(x => x.Id, x => x.Count, ct);
        var list = await db.Datacenters.AsNoTracking().OrderBy(d => d.Code)
            .Select(d => new { d.Id, d.Code, d.Name, d.PowerCapacityKw, d.Pue, d.ElectricityPricePerKwh, d.Currency,
                Racks = d.Racks.Count, Hosts = d.Racks.SelectMany(r => r.Hosts).Count() })
            .ToListAsync(ct);
        return list.Select(d => new DatacenterItem(d.Code, d.Name, d.PowerCapacityKw, d.Pue, d.ElectricityPricePerKwh, d.Currency,
            d.Racks, d.Hosts, gpus.GetValueOrDefault(d.Id))).ToList();
    }

    public async Task<IReadOnlyList<GpuModelItem>> ModelsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var counts = await db.Gpus.GroupBy(g => g.GpuModelId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var models = await db.GpuModels.AsNoTracking().OrderBy(m => m.Name).ToListAsync(ct);
        return models.Select(m => new GpuModelItem(m.Name, m.Vendor, m.Architecture, m.FormFactor, m.MemoryGb, m.MemoryBandwidthTbs,
            m.Fp64Tflops, m.Fp32Tflops, m.Tf32Tflops, m.Fp16Tflops, m.Bf16Tflops, m.Fp8Tflops, m.TdpW, m.TypicalPriceUsd,
            counts.GetValueOrDefault(m.Id))).ToList();
    }

    /// <summary>Counts for the dashboard, computed in the database.</summary>
    public async Task<FleetSummary> SummaryAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var byStatus = await db.Gpus.GroupBy(g => g.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var byDc = await db.Gpus.GroupBy(g => g.Datacenter != null ? g.Datacenter.Code : "(none)")
            .Select(g => new CountItem(g.Key, g.Count())).ToListAsync(ct);
        var byModel = await db.Gpus.GroupBy(g => g.Model!.Name).Select(g => new CountItem(g.Key, g.Count())).ToListAsync(ct);
        var statuses = Enum.GetValues<GpuStatus>()
            .Select(s => new CountItem(s.ToString(), byStatus.FirstOrDefault(x => x.Key == s)?.Count ?? 0)).ToList();
        return new FleetSummary(statuses.Sum(s => s.Count), statuses, byDc.OrderBy(x => x.Key).ToList(),
            byModel.OrderByDescending(x => x.Count).ToList());
    }
}
