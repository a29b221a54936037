using System.Linq.Expressions;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Inventory;

/// <summary>
/// Pages the grid by keyset: every sort is a list of sections (the cards with a value, then those without; or one
/// section per status, model or datacenter, in name order), and each section is read in (sort key, id) order that
/// one index serves in both directions. A page walks from a cursor's position, so any depth costs what the first page
/// costs; the offset form (<c>page=N</c>) walks the same sections, skipping rows.
/// </summary>
internal sealed class GpuPager
{
    private readonly IReadOnlyList<Section> _sections;
    private readonly bool _descending;

    private GpuPager(IReadOnlyList<Section> sections, bool descending)
    {
        _sections = sections;
        _descending = descending;
    }

    /// <summary>The sort's canonical text (for cursors): field upper-cased, <c>-</c> for descending.</summary>
    public string SortKey { get; private init; } = "";

    internal sealed record Row(int Id, GpuListItem Item);

    /// <summary>A section: which cards it holds, how to order them, and where a row sits in it.</summary>
    private sealed class Section(
        Expression<Func<Gpu, bool>>? member,
        Func<IQueryable<Gpu>, bool, IOrderedQueryable<Gpu>> order,
        Func<string, int, bool, Expression<Func<Gpu, bool>>>? after,
        Func<GpuListItem, string?> key,
        Func<GpuListItem, bool> holds,
        Func<IEnumerable<IQueryable<Gpu>>, bool, int, IQueryable<int>> top,
        Func<GpuCombo, bool>? admits = null)
    {
        /// <summary>
        /// The ids of the first <paramref name="take"/> rows of the union of <paramref name="parts"/> (each already in
        /// this section's order and limited; a card two of a search's columns match comes once), in that order.
        /// </summary>
        public IQueryable<int> Top(IEnumerable<IQueryable<Gpu>> parts, bool descending, int take) => top(parts, descending, take);

        /// <summary>Whether cards of <paramref name="combo"/> can be in this section (a status section holds one status).</summary>
        public bool Admits(GpuCombo combo) => admits is null || admits(combo);

        public IQueryable<Gpu> Query(IQueryable<Gpu> gpus, bool descending, GpuCursor? from)
        {
            if (member is not null)
            {
                gpus = gpus.Where(member);
            }

            if (from is not null)
            {
                gpus = after is null || from.Key is null
                    ? gpus.Where(descending ? g => g.Id < from.Id : g => g.Id > from.Id)
                    : gpus.Where(after(from.Key, from.Id, descending));
            }

            return order(gpus, descending);
        }

        public string? Key(GpuListItem item) => key(item);

        public bool Holds(GpuListItem item) => holds(item);
    }

    public static async Task<GpuPager> CreateAsync(FleetDbContext db, string? sort, CancellationToken ct)
    {
        var field = string.IsNullOrWhiteSpace(sort) ? "serial" : sort.Trim();
        var descending = field.StartsWith('-');
        field = field.TrimStart('-', '+');
        var sqlite = DatabaseProviderNames.IsSqlite(db.Database);
        var upper = field.ToUpperInvariant();
        List<Section> sections = upper switch
        {
            "SERIAL" => [Column(g => g.Serial, i => i.Serial, s => s, s => s, null)],
            "UUID" => WithNulls(g => g.Uuid, i => i.Uuid, s => s!, s => s, g => g.Uuid != null, g => g.Uuid == null),
            "ASSETTAG" => WithNulls(g => g.AssetTag, i => i.AssetTag, s => s!, s => s, g => g.AssetTag != null, g => g.AssetTag == null),
            "PONUMBER" => WithNulls(g => g.PoNumber, i => i.PoNumber, s => s!, s => s, g => g.PoNumber != null, g => g.PoNumber == null),
            "HOST" => WithNulls(g => EF.Property<string?>(g, GpuColumns.HostName), i => i.Host, s => s!, s => s,
                g => EF.Property<string?>(g, GpuColumns.HostName) != null, g => EF.Property<string?>(g, GpuColumns.HostName) == null),
            "RECEIVEDAT" => WithNulls(g => g.ReceivedAt, i => i.ReceivedAt, Ticks, FromTicks, g => g.ReceivedAt != null, g => g.ReceivedAt == null),
            "WARRANTYENDSAT" => WithNulls(g => g.WarrantyEndsAt, i => i.WarrantyEndsAt, Ticks, FromTicks,
                g => g.WarrantyEndsAt != null, g => g.WarrantyEndsAt == null),
            // SQLite stores decimals as text and cannot compare them; as a double the order is the same for money amounts.
            "UNITCOST" when sqlite => WithNulls(g => (double?)g.UnitCost, i => (double?)i.UnitCost,
                v => v!.Value.ToString("R", CultureInfo.InvariantCulture), s => double.Parse(s, CultureInfo.InvariantCulture),
                g => g.UnitCost != null, g => g.UnitCost == null),
            "UNITCOST" => WithNulls(g => g.UnitCost, i => i.UnitCost,
                v => v!.Value.ToString(CultureInfo.InvariantCulture), s => decimal.Parse(s, CultureInfo.InvariantCulture),
                g => g.UnitCost != null, g => g.UnitCost == null),
            "STATUS" => [.. Enum.GetValues<GpuStatus>().OrderBy(s => s.ToString(), StringComparer.Ordinal)
                .Select(s => Segment(g => g.Status == s, i => i.Status == s, c => c.Status == s))],
            "MODEL" => [.. (await db.GpuModels.AsNoTracking().OrderBy(m => m.Name).Select(m => new { m.Id, m.Name }).ToListAsync(ct))
                .Select(m => Segment(g => g.GpuModelId == m.Id, i => i.Model == m.Name, c => c.ModelId == m.Id))],
            "DATACENTER" =>
            [
                .. (await db.Datacenters.AsNoTracking().OrderBy(d => d.Code).Select(d => new { d.Id, d.Code }).ToListAsync(ct))
                    .Select(d => Segment(g => g.DatacenterId == d.Id, i => i.Datacenter == d.Code, c => c.DatacenterId == d.Id)),
                Segment(g => g.DatacenterId == null, i => i.Datacenter == null, c => c.DatacenterId == null),
            ],
            _ => throw new ValidationException("sort",
                $"Unknown sort field '{field}'. Valid: {string.Join(", ", InventoryService.SortFields)} (prefix '-' for descending)."),
        };

        if (descending && upper is "STATUS" or "MODEL" or "DATACENTER")
        {
            // The values run backwards; cards without one (the last section) stay last.
            var withValue = upper == "DATACENTER" ? sections[..^1] : sections;
            withValue.Reverse();
            sections = upper == "DATACENTER" ? [.. withValue, sections[^1]] : withValue;
        }

        return new GpuPager(sections, descending) { SortKey = (descending ? "-" : "") + upper };
    }

    private static string Ticks(DateTime? value) => value!.Value.Ticks.ToString(CultureInfo.InvariantCulture);

    private static DateTime? FromTicks(string text) => new DateTime(long.Parse(text, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    private static Section Segment(Expression<Func<Gpu, bool>> member, Func<GpuListItem, bool> holds, Func<GpuCombo, bool> admits) =>
        new(member, (q, d) => d ? q.OrderByDescending(g => g.Id) : q.OrderBy(g => g.Id), null, _ => null, holds, s_topById, admits);

    private static List<Section> WithNulls<T>(Expression<Func<Gpu, T>> key, Func<GpuListItem, T> read, Func<T, string> format,
        Func<string, T> parse, Expression<Func<Gpu, bool>> hasValue, Expression<Func<Gpu, bool>> isNull) =>
        [Column(key, read, format, parse, hasValue), new(isNull, (q, d) => d ? q.OrderByDescending(g => g.Id) : q.OrderBy(g => g.Id), null,
            _ => null, i => read(i) is null, s_topById)];

    private static Section Column<T>(Expression<Func<Gpu, T>> key, Func<GpuListItem, T> read, Func<T, string> format,
        Func<string, T> parse, Expression<Func<Gpu, bool>>? hasValue) =>
        new(hasValue,
            (q, d) => d ? q.OrderByDescending(key).ThenByDescending(g => g.Id) : q.OrderBy(key).ThenBy(g => g.Id),
            (k, id, d) => After(key, parse(k), id, d),
            i => format(read(i)),
            i => read(i) is not null,
            TopIds(key));

    private static readonly Func<IEnumerable<IQueryable<Gpu>>, bool, int, IQueryable<int>> s_topById = TopIds(g => g.Id);

    /// <summary>A branch's row as the merge reads it: its id and sort key, both in the branch's index.</summary>
    private sealed class KeyRow<T>
    {
        public int Id { get; init; }

        public T Key { get; init; } = default!;
    }

    /// <summary>
    /// Merges branches by (key, id) and keeps the first ids. Each branch reads only its index (an index-only scan of one
    /// range); the page then reads its few rows by id. Reading whole rows in a branch let the planner walk the primary
    /// key instead, past every card of the other combinations, where ids run with the model and the delivery (0.4 s). A
    /// search's branches too: sorting a rack row's 34,294 whole rows for a page took 37 ms, their (key, id) pairs 26.
    /// </summary>
    private static Func<IEnumerable<IQueryable<Gpu>>, bool, int, IQueryable<int>> TopIds<T>(Expression<Func<Gpu, T>> key)
    {
        var g = key.Parameters[0];
        var projection = Expression.Lambda<Func<Gpu, KeyRow<T>>>(Expression.MemberInit(Expression.New(typeof(KeyRow<T>)),
            Expression.Bind(typeof(KeyRow<T>).GetProperty(nameof(KeyRow<T>.Id))!, Expression.Property(g, nameof(Gpu.Id))),
            Expression.Bind(typeof(KeyRow<T>).GetProperty(nameof(KeyRow<T>.Key))!, key.Body)), g);
        return (parts, descending, take) =>
        {
            var merged = parts.Select(p => p.Select(projection)).Aggregate((a, b) => a.Union(b));
            var ordered = descending ? merged.OrderByDescending(r => r.Key).ThenByDescending(r => r.Id) : merged.OrderBy(r => r.Key).ThenBy(r => r.Id);
            return ordered.Take(take).Select(r => r.Id);
        };
    }

    /// <summary>
    /// <c>key ≥ k AND (key &gt; k OR id &gt; i)</c> (mirrored when descending): the first half bounds the index scan,
    /// the second skips the rows up to and including the cursor's.
    /// </summary>
    private static Expression<Func<Gpu, bool>> After<T>(Expression<Func<Gpu, T>> key, T value, int id, bool descending)
    {
        var g = key.Parameters[0];
        // A captured value becomes a query parameter (one plan for every cursor), not a literal.
        var boxed = Expression.Property(Expression.Constant(new Box<T>(value)), nameof(Box<T>.Value));
        var idBox = Expression.Property(Expression.Constant(new Box<int>(id)), nameof(Box<int>.Value));
        Expression Compare(Func<Expression, Expression, BinaryExpression> op, Expression left, Expression right)
        {
            if (typeof(T) == typeof(string))
            {
                var compare = Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, left, right);
                return op(compare, Expression.Constant(0));
            }

            return op(left, right);
        }

        var body = key.Body;
        var idMember = Expression.Property(g, nameof(Gpu.Id));
        Expression bound, strict, later;
        if (descending)
        {
            bound = Compare(Expression.LessThanOrEqual, body, boxed);
            strict = Compare(Expression.LessThan, body, boxed);
            later = Expression.LessThan(idMember, idBox);
        }
        else
        {
            bound = Compare(Expression.GreaterThanOrEqual, body, boxed);
            strict = Compare(Expression.GreaterThan, body, boxed);
            later = Expression.GreaterThan(idMember, idBox);
        }

        return Expression.Lambda<Func<Gpu, bool>>(Expression.AndAlso(bound, Expression.OrElse(strict, later)), g);
    }

    private sealed class Box<T>(T value)
    {
        public T Value { get; } = value;
    }

    /// <summary>Where <paramref name="row"/> sits: its section and key, as a cursor.</summary>
    public GpuCursor Locate(Row row, string filters)
    {
        for (var s = 0; s < _sections.Count; s++)
        {
            if (_sections[s].Holds(row.Item))
            {
                return new GpuCursor(SortKey, filters, s, _sections[s].Key(row.Item), row.Id);
            }
        }

        throw new InvalidOperationException($"GPU {row.Item.Serial} fits no section of sort {SortKey}.");
    }

    public GpuCursor End(string filters) => new(SortKey, filters, _sections.Count, null, 0, End: true);

    /// <summary>The most rows a page may read from each branch of a search (its offset plus its size) to merge them.</summary>
    public const int MaxMergedRows = 1_000;

    /// <summary>
    /// Up to <paramref name="count"/> rows after <paramref name="from"/> (or from the start, skipping
    /// <paramref name="skip"/>), or with <paramref name="backward"/> the rows before it, in display order. When
    /// <paramref name="filter"/> has branches (queries whose union is its cards), each section's rows are the first of
    /// the union of each branch's first rows in the same order: every branch walks its own index for a page instead of
    /// one query sorting every match of an OR, or walking one index past the cards the filter leaves out.
    /// </summary>
    public async Task<List<Row>> ReadAsync(GpuFilter filter, GpuCursor? from, bool backward, int count, int skip, CancellationToken ct)
    {
        var filtered = filter.All;
        var rows = new List<Row>(count);
        var descending = _descending ^ backward;
        var start = from is null ? (backward ? _sections.Count - 1 : 0) : Math.Min(from.Section, _sections.Count - 1);
        if (from is { End: true } && !backward)
        {
            return rows;
        }

        for (var s = start; s >= 0 && s < _sections.Count && rows.Count < count; s += backward ? -1 : 1)
        {
            var position = s == start && from is { End: false } ? from : null;
            var section = _sections[s];
            var first = skip + count - rows.Count;
            var branches = Branches(filter, section);
            if (branches is { Count: 0 })
            {
                // No combination of the filters fits this section (a status section under another status's filter).
                continue;
            }

            if (branches is not null && first <= MaxMergedRows)
            {
                // The merge gives the section's first ids in order (a search's or the combinations'); the page reads those rows
                // by primary key. Left in one query, the planner walked the sort key's index from its start, checking each
                // row against the ids.
                var ids = await section.Top(branches.Select(b => section.Query(b, descending, position).Take(first)), descending, first)
                    .ToListAsync(ct);
                if (ids.Count <= skip)
                {
                    // The offset lies past this section, which holds just these rows.
                    skip -= ids.Count;
                    continue;
                }

                var wanted = ids.Skip(skip).Take(count - rows.Count).ToList();
                skip = 0;
                var read = await Project(filtered.Where(g => wanted.Contains(g.Id))).ToDictionaryAsync(r => r.Id, ct);
                rows.AddRange(wanted.Where(read.ContainsKey).Select(id => read[id]));
                continue;
            }

            var query = Project(section.Query(filtered, descending, position));

            if (skip > 0)
            {
                var page = await query.Skip(skip).Take(count - rows.Count).ToListAsync(ct);
                if (page.Count == 0)
                {
                    // The offset lies past this section: skip what it holds and go on.
                    skip -= await _sections[s].Query(filtered, descending, null).CountAsync(ct);
                    skip = Math.Max(skip, 0);
                    continue;
                }

                skip = 0;
                rows.AddRange(page);
                continue;
            }

            rows.AddRange(await query.Take(count - rows.Count).ToListAsync(ct));
        }

        if (backward)
        {
            rows.Reverse();
        }

        return rows;
    }

    /// <summary>The branches whose cards can be in <paramref name="section"/>; null when the filter has none.</summary>
    private List<IQueryable<Gpu>>? Branches(GpuFilter filter, Section section) =>
        filter.Branches is not { } branches ? null
        : filter.Combos is not { } combos ? [.. branches]
        : Admitted(branches, combos, section);

    private static List<IQueryable<Gpu>>? Admitted(IReadOnlyList<IQueryable<Gpu>> branches, IReadOnlyList<GpuCombo> combos, Section section)
    {
        var admitted = branches.Where((_, i) => section.Admits(combos[i])).ToList();
        // Past this many ranges the merge costs more than one query that filters while it walks.
        return admitted.Count > InventoryService.MaxComboBranches ? null : admitted;
    }

    private static IQueryable<Row> Project(IQueryable<Gpu> gpus) => gpus.Select(g => new Row(g.Id, new GpuListItem(
        g.Serial, g.Uuid, g.AssetTag, g.Model!.Name, g.Status, g.Datacenter != null ? g.Datacenter.Code : null,
        EF.Property<string?>(g, GpuColumns.HostName), g.Slot, g.UnitCost, g.Currency, g.PoNumber, g.ReceivedAt, g.WarrantyEndsAt, g.Version)));
}
