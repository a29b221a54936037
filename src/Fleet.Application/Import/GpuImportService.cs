using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;
using Fleet.Application.Audit;
using Fleet.Application.Common;
using Fleet.Application.Export;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Audit;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Import;

/// <summary>
/// Imports a GPU list from CSV: the upload is streamed to a temporary file under size, header and column caps (never
/// held in memory), everything is validated first (every error with line, column, value and message), then committed
/// all-or-nothing in one transaction through the provider's bulk writer. On upsert a changed status is a lifecycle
/// move judged by <see cref="Gpu.TransitionTo"/> for the importing role; rows that change nothing are not written.
/// </summary>
public sealed partial class GpuImportService(
    IDbContextFactory<FleetDbContext> contexts, IDatabaseProvider provider, TimeProvider time, ImportOptions options)
{
    private const int ChunkSize = 500;
    private static readonly string[] s_dateFormats =
        ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss"];
    private static readonly DateTime s_earliest = new(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_latest = new(2100, 12, 31, 0, 0, 0, DateTimeKind.Utc);
    private const decimal MaxUnitCost = 10_000_000m;

    private static readonly Dictionary<string, int> s_maxLength = new(StringComparer.Ordinal)
    {
        [GpuCsvColumns.Serial] = 64, [GpuCsvColumns.Model] = 100, [GpuCsvColumns.Status] = 16, [GpuCsvColumns.Datacenter] = 16,
        [GpuCsvColumns.Host] = 128, [GpuCsvColumns.Slot] = 4, [GpuCsvColumns.Uuid] = 64, [GpuCsvColumns.AssetTag] = 64,
        [GpuCsvColumns.BoardPartNumber] = 64, [GpuCsvColumns.Vbios] = 64, [GpuCsvColumns.PoNumber] = 64, [GpuCsvColumns.UnitCost] = 32,
        [GpuCsvColumns.Currency] = 16, [GpuCsvColumns.ReceivedAt] = 40, [GpuCsvColumns.InServiceAt] = 40, [GpuCsvColumns.WarrantyEndsAt] = 40,
        [GpuCsvColumns.Notes] = 2000,
    };


    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    /// <summary>A row that passed the per-field checks, with its parsed values.</summary>
    private sealed record ParsedRow(
        int Line, string Serial, string Model, GpuStatus? Status, string? Datacenter, string? Host, int? Slot, string? Uuid,
        string? AssetTag, string? BoardPartNumber, string? Vbios, string? PoNumber, decimal? UnitCost, string? Currency,
        DateTime? ReceivedAt, DateTime? InServiceAt, DateTime? WarrantyEndsAt, string? Notes);

    public async Task<ImportResult> ImportAsync(Stream content, ImportMode mode, bool dryRun, Actor actor, CancellationToken ct = default)
    {
        var errors = new ErrorList(options.MaxErrors);
        List<ParsedRow> rows;
        await using (var spool = await ImportSpool.CreateAsync(content, options, errors, ct))
        {
            if (spool is null)
            {
                return new ImportResult(dryRun, 0, 0, errors.Items);
            }

            rows = Parse(spool, errors);
        }

        if (rows.Count == 0 && errors.Count == 0)
        {
            errors.Add(2, "", null, "The file has a header but no GPU rows.");
        }

        if (errors.Count > 0 && rows.Count == 0)
        {
            return new ImportResult(dryRun, 0, 0, errors.Items);
        }

        CheckWithinFile(rows, errors);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var plan = await CheckAgainstDatabaseAsync(db, rows, mode, actor, now, errors, ct);
        if (errors.Count > 0)
        {
            return new ImportResult(dryRun, 0, 0, errors.Items);
        }

        if (dryRun || plan.Inserts.Count + plan.Updates.Count == 0)
        {
            return new ImportResult(dryRun, plan.Inserts.Count, plan.Updates.Count, [], plan.Unchanged);
        }

        await CommitAsync(db, plan, actor, now, ct);
        return new ImportResult(false, plan.Inserts.Count, plan.Updates.Count, [], plan.Unchanged);
    }

    /// <summary>Parses header and rows with CsvHelper from the spooled file; per-field checks only (nothing from the database yet).</summary>
    private List<ParsedRow> Parse(ImportSpool spool, ErrorList errors)
    {
        var delimiter = spool.Delimiter.ToString();
        var badData = new List<(int Line, string Field)>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            HasHeaderRecord = true,
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            BadDataFound = a => badData.Add((a.Context.Parser?.RawRow ?? 0, a.Field)),
            // Blank lines are skipped below, so that every raw record counts its own lines.
            IgnoreBlankLines = false,
            MaxFieldSize = ImportSpool.MaxFieldChars,
        };
        using var reader = spool.OpenText();
        using var csv = new CsvReader(reader, config);
        csv.Context.RegisterClassMap<GpuCsvImportRowMap>();
        var nextLine = 1;
        int Advance()
        {
            var line = nextLine;
            nextLine += csv.Parser.RawRecord.AsSpan().Count('\n');
            return line;
        }

        bool IsBlank() => csv.Parser.RawRecord.AsSpan().TrimEnd("\r\n").IsEmpty;

        bool ReadRecord()
        {
            while (csv.Read())
            {
                if (!IsBlank())
                {
                    return true;
                }

                Advance();
            }

            return false;
        }

        if (!ReadRecord())
        {
            errors.Add(1, "", null, "The file has no header line.");
            return [];
        }

        var headerLine = Advance();
        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        var known = new HashSet<string>(GpuCsvColumns.All, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            var name = header[i].Trim().ToLowerInvariant();
            if (name.Length == 0)
            {
                errors.Add(headerLine, $"#{i + 1}", header[i], $"Column {i + 1} has no name. Valid columns: {string.Join(", ", GpuCsvColumns.All)}.");
            }
            else if (!known.Contains(name))
            {
                errors.Add(headerLine, Shorten(header[i])!, Shorten(header[i]), $"Unknown column '{Shorten(header[i])}'. Valid columns: {string.Join(", ", GpuCsvColumns.All)}.");
            }
            else if (!seen.Add(name))
            {
                errors.Add(headerLine, header[i], header[i], $"Column '{name}' appears more than once.");
            }
        }

        foreach (var required in GpuCsvColumns.Required.Where(r => !seen.Contains(r)))
        {
            errors.Add(headerLine, required, null, $"Missing required column '{required}'. Found: {Shorten(string.Join(", ", header))}.");
        }

        if (errors.Count > 0)
        {
            return [];
        }

        var rows = new List<ParsedRow>();
        while (true)
        {
            bool more;
            try
            {
                more = ReadRecord();
            }
            catch (CsvHelperException ex)
            {
                errors.Add(nextLine, "", null, ex is MaxFieldSizeException
                    ? $"A value here is longer than {ImportSpool.MaxFieldChars:N0} characters; nothing after it was read."
                    : $"The CSV cannot be read past here: {FirstLine(ex.Message)}");
                break;
            }

            if (!more)
            {
                break;
            }

            var raw = csv.Parser.RawRecord;
            var line = Advance();
            if (rows.Count >= options.MaxRows)
            {
                errors.Add(line, "", null, $"The file has more than {options.MaxRows:N0} rows; split it.");
                break;
            }

            if (raw.Count('"') % 2 == 1)
            {
                badData.Clear();
                errors.Add(line, "", Shorten(raw.TrimEnd('\r', '\n')),
                    "A quoted value is not closed (unterminated quote): every '\"' that opens a value needs one that closes it.");
                continue;
            }

            if (badData.Count > 0)
            {
                var field = badData[^1].Field;
                badData.Clear();
                errors.Add(line, "", Shorten(field), "A quote appears inside an unquoted value; quote the whole value and double the inner quotes.");
                continue;
            }

            if (csv.Parser.Count != header.Length)
            {
                errors.Add(line, "", null,
                    $"This row has {csv.Parser.Count} fields; the header has {header.Length}. Check for an unquoted '{delimiter}' in a value.");
                continue;
            }

            var row = csv.GetRecord<GpuCsvImportRow>();
            if (ParseRow(line, row, errors) is { } parsed)
            {
                rows.Add(parsed);
            }

            if (errors.Full)
            {
                break;
            }
        }

        return rows;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static string? Shorten(string? s) => s is { Length: > 120 } ? s[..117] + "..." : s;

    private static ParsedRow? ParseRow(int line, GpuCsvImportRow r, ErrorList errors)
    {
        var before = errors.Count;
        string? Text(string column, string? value)
        {
            var v = value?.Trim();
            if (string.IsNullOrEmpty(v))
            {
                return null;
            }

            // A cell our own export escaped so that spreadsheets keep it text reads back as the value it was.
            v = SafeCsv.Unescape(v);

            if (v.Length > s_maxLength[column])
            {
                errors.Add(line, column, Shorten(v), $"{column} is {v.Length:N0} characters long; the limit is {s_maxLength[column]:N0}.");
                return null;
            }

            if (v.Any(c => char.IsControl(c) && c is not '\t' || column != GpuCsvColumns.Notes && c == '\t'))
            {
                errors.Add(line, column, Shorten(v), $"{column} contains control characters.");
                return null;
            }

            return v;
        }

        var serial = Text(GpuCsvColumns.Serial, r.Serial);
        if (serial is null && errors.Count == before)
        {
            errors.Add(line, GpuCsvColumns.Serial, r.Serial, "serial is required.");
        }
        else if (serial is not null && !GpuSerial.IsValid(serial))
        {
            errors.Add(line, GpuCsvColumns.Serial, serial, GpuSerial.Rule);
        }

        var model = Text(GpuCsvColumns.Model, r.Model);
        if (model is null && r.Model is not { Length: > 100 })
        {
            errors.Add(line, GpuCsvColumns.Model, r.Model, "model is required (a catalog name such as 'H100 SXM5 80GB').");
        }

        GpuStatus? status = null;
        if (Text(GpuCsvColumns.Status, r.Status) is { } s)
        {
            if (GpuLifecycle.TryParse(s, out var st))
            {
                status = st;
            }
            else
            {
                errors.Add(line, GpuCsvColumns.Status, s, $"Unknown status '{s}'. Valid statuses: {string.Join(", ", Enum.GetNames<GpuStatus>())}.");
            }
        }

        int? slot = null;
        if (Text(GpuCsvColumns.Slot, r.Slot) is { } sl)
        {
            if (int.TryParse(sl, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 256)
            {
                slot = n;
            }
            else
            {
                errors.Add(line, GpuCsvColumns.Slot, sl, "slot must be a whole number from 0 to 255.");
            }
        }

        decimal? cost = null;
        if (Text(GpuCsvColumns.UnitCost, r.UnitCost) is { } c)
        {
            if (!decimal.TryParse(c, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d))
            {
                errors.Add(line, GpuCsvColumns.UnitCost, c, "unit_cost must be a plain number such as 29999.50 (no currency sign, no thousands separator).");
            }
            else if (d < 0)
            {
                errors.Add(line, GpuCsvColumns.UnitCost, c, "unit_cost must not be negative.");
            }
            else if (d > MaxUnitCost)
            {
                errors.Add(line, GpuCsvColumns.UnitCost, c, $"unit_cost {d:N2} is implausibly large (limit {MaxUnitCost:N0} per card).");
            }
            else if (d.Scale > 4)
            {
                errors.Add(line, GpuCsvColumns.UnitCost, c, "unit_cost has more than 4 decimal places.");
            }
            else
            {
                cost = d;
            }
        }

        var currency = Text(GpuCsvColumns.Currency, r.Currency)?.ToUpperInvariant();
        if (currency is not null && !CurrencyPattern().IsMatch(currency))
        {
            errors.Add(line, GpuCsvColumns.Currency, r.Currency, "currency must be a three-letter ISO 4217 code such as USD or EUR.");
            currency = null;
        }

        var received = Date(line, GpuCsvColumns.ReceivedAt, Text(GpuCsvColumns.ReceivedAt, r.ReceivedAt), errors);
        var inService = Date(line, GpuCsvColumns.InServiceAt, Text(GpuCsvColumns.InServiceAt, r.InServiceAt), errors);
        var warranty = Date(line, GpuCsvColumns.WarrantyEndsAt, Text(GpuCsvColumns.WarrantyEndsAt, r.WarrantyEndsAt), errors);
        if (received is not null && inService is not null && inService.Value.Date < received.Value.Date)
        {
            errors.Add(line, GpuCsvColumns.InServiceAt, r.InServiceAt, $"in_service_at is before received_at ({received:yyyy-MM-dd}): a card goes into service after it arrives.");
        }

        if (received is not null && warranty is not null && warranty < received)
        {
            errors.Add(line, GpuCsvColumns.WarrantyEndsAt, r.WarrantyEndsAt, $"warranty_ends_at is before received_at ({received:yyyy-MM-dd}).");
        }

        var host = Text(GpuCsvColumns.Host, r.Host);
        if (slot is not null && host is null && r.Host is not { Length: > 128 })
        {
            errors.Add(line, GpuCsvColumns.Slot, r.Slot, "slot is given without a host.");
        }
        else if (host is not null && slot is null && errors.Count == before)
        {
            errors.Add(line, GpuCsvColumns.Slot, r.Slot, $"host '{host}' is given without a slot.");
        }

        var row = new ParsedRow(line, serial ?? "", model ?? "", status, Text(GpuCsvColumns.Datacenter, r.Datacenter)?.ToUpperInvariant(),
            host, slot, Text(GpuCsvColumns.Uuid, r.Uuid), Text(GpuCsvColumns.AssetTag, r.AssetTag),
            Text(GpuCsvColumns.BoardPartNumber, r.BoardPartNumber), Text(GpuCsvColumns.Vbios, r.Vbios), Text(GpuCsvColumns.PoNumber, r.PoNumber),
            cost, currency, received, inService, warranty, Text(GpuCsvColumns.Notes, r.Notes));
        return errors.Count == before ? row : null;
    }

    private static DateTime? Date(int line, string column, string? value, ErrorList errors)
    {
        if (value is null)
        {
            return null;
        }

        if (!DateTime.TryParseExact(value, s_dateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
        {
            errors.Add(line, column, value, $"{column} '{value}' is not a real date; write it as YYYY-MM-DD.");
            return null;
        }

        if (d < s_earliest || d > s_latest)
        {
            errors.Add(line, column, value, $"{column} {d:yyyy-MM-dd} is outside 1990–2100.");
            return null;
        }

        return DateTime.SpecifyKind(d, DateTimeKind.Utc);
    }

    /// <summary>Duplicates inside the file: serials, UUIDs and host slots.</summary>
    private static void CheckWithinFile(List<ParsedRow> rows, ErrorList errors)
    {
        var serials = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var uuids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var slots = new Dictionary<(string, int), int>();
        foreach (var row in rows)
        {
            if (!serials.TryAdd(row.Serial, row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Serial, row.Serial, $"Duplicate serial: already on line {serials[row.Serial]}.");
            }

            if (row.Uuid is not null && !uuids.TryAdd(row.Uuid, row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Uuid, row.Uuid, $"Duplicate uuid: already on line {uuids[row.Uuid]}.");
            }

            if (row.Host is not null && row.Slot is { } slot && !slots.TryAdd((row.Host.ToUpperInvariant(), slot), row.Line))
            {
                errors.Add(row.Line, GpuCsvColumns.Slot, slot.ToString(CultureInfo.InvariantCulture),
                    $"Slot {slot} of host {row.Host} is already taken on line {slots[(row.Host.ToUpperInvariant(), slot)]}.");
            }
        }
    }

    private sealed record ExistingGpu(int Id, string Serial, string? Uuid, int? HostId, int? Slot);

    private sealed record HostInfo(int Id, string Hostname, int DatacenterId, int Slots);

    private sealed record Plan(
        List<(ParsedRow Row, int ModelId, int? DatacenterId, HostInfo? Host)> Inserts,
        List<(ParsedRow Row, int ModelId, int? DatacenterId, HostInfo? Host, ExistingGpu Existing)> Updates)
    {
        /// <summary>Known serials whose row would change nothing: neither written nor audited.</summary>
        public int Unchanged { get; set; }
    }

    /// <summary>A row the domain refused while applying it to its card: where, and the domain's reason.</summary>
    private sealed class RowRefusedException(string column, string? value, string message) : Exception(message)
    {
        public string Column { get; } = column;
        public string? Value { get; } = value;
    }

    private static async Task<Plan> CheckAgainstDatabaseAsync(
        FleetDbContext db, List<ParsedRow> rows, ImportMode mode, Actor actor, DateTime now, ErrorList errors, CancellationToken ct)
    {
        var plan = new Plan([], []);
        var candidates = new List<(ParsedRow Row, int ModelId, int? DatacenterId, HostInfo? Host, ExistingGpu Existing)>();
        var models = await db.GpuModels.AsNoTracking().ToDictionaryAsync(m => m.Name.ToUpperInvariant(), m => m.Id, ct);
        var modelNames = await db.GpuModels.AsNoTracking().OrderBy(m => m.Name).Select(m => m.Name).ToListAsync(ct);
        var datacenters = await db.Datacenters.AsNoTracking().ToDictionaryAsync(d => d.Code.ToUpperInvariant(), d => d.Id, ct);

        var existing = new Dictionary<string, ExistingGpu>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in rows.Select(r => r.Serial).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => chunk.Contains(g.Serial))
                         .Select(g => new ExistingGpu(g.Id, g.Serial, g.Uuid, g.HostId, g.Slot)).ToListAsync(ct))
            {
                existing[g.Serial] = g;
            }
        }

        var uuidOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in rows.Where(r => r.Uuid is not null).Select(r => r.Uuid!).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => g.Uuid != null && chunk.Contains(g.Uuid))
                         .Select(g => new { g.Uuid, g.Serial }).ToListAsync(ct))
            {
                uuidOwners[g.Uuid!] = g.Serial;
            }
        }

        var hosts = new Dictionary<string, HostInfo>(StringComparer.OrdinalIgnoreCase);
        var occupied = new Dictionary<(int, int), string>();
        foreach (var chunk in rows.Where(r => r.Host is not null).Select(r => r.Host!).Distinct(StringComparer.OrdinalIgnoreCase).Chunk(ChunkSize))
        {
            foreach (var h in await db.Hosts.AsNoTracking().Where(h => chunk.Contains(h.Hostname))
                         .Select(h => new HostInfo(h.Id, h.Hostname, h.Rack!.DatacenterId, h.GpuSlots)).ToListAsync(ct))
            {
                hosts[h.Hostname] = h;
            }
        }

        foreach (var chunk in hosts.Values.Select(h => h.Id).Chunk(ChunkSize))
        {
            foreach (var g in await db.Gpus.AsNoTracking().Where(g => g.HostId != null && chunk.Contains(g.HostId.Value))
                         .Select(g => new { HostId = g.HostId!.Value, Slot = g.Slot ?? -1, g.Serial }).ToListAsync(ct))
            {
                occupied[(g.HostId, g.Slot)] = g.Serial;
            }
        }

        foreach (var row in rows)
        {
            var ok = true;
            void Fail(string column, string? value, string message)
            {
                errors.Add(row.Line, column, value, message);
                ok = false;
            }

            if (!models.TryGetValue(row.Model.ToUpperInvariant(), out var modelId))
            {
                Fail(GpuCsvColumns.Model, row.Model, $"Unknown model '{row.Model}'. Catalog models: {string.Join(", ", modelNames)}.");
            }

            int? dcId = null;
            if (row.Datacenter is not null)
            {
                if (datacenters.TryGetValue(row.Datacenter, out var id))
                {
                    dcId = id;
                }
                else
                {
                    Fail(GpuCsvColumns.Datacenter, row.Datacenter, $"Unknown datacenter '{row.Datacenter}'. Known: {string.Join(", ", datacenters.Keys.Order())}.");
                }
            }

            HostInfo? host = null;
            if (row.Host is not null)
            {
                if (!hosts.TryGetValue(row.Host, out host))
                {
                    Fail(GpuCsvColumns.Host, row.Host, $"Unknown host '{row.Host}'.");
                }
                else
                {
                    if (dcId is not null && dcId != host.DatacenterId)
                    {
                        Fail(GpuCsvColumns.Host, row.Host, $"Host {host.Hostname} is not in datacenter {row.Datacenter}.");
                    }

                    dcId = host.DatacenterId;
                    if (row.Slot >= host.Slots)
                    {
                        Fail(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), $"Host {host.Hostname} has slots 0–{host.Slots - 1}.");
                    }
                    else if (occupied.TryGetValue((host.Id, row.Slot!.Value), out var holder) && !string.Equals(holder, row.Serial, StringComparison.OrdinalIgnoreCase))
                    {
                        Fail(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), $"Slot {row.Slot} of host {host.Hostname} already holds GPU {holder}.");
                    }
                }
            }

            existing.TryGetValue(row.Serial, out var current);
            if (current is not null && mode == ImportMode.Insert)
            {
                Fail(GpuCsvColumns.Serial, row.Serial, $"GPU {row.Serial} already exists. Use upsert mode to update it.");
            }

            if (row.Uuid is not null && uuidOwners.TryGetValue(row.Uuid, out var owner) && !string.Equals(owner, row.Serial, StringComparison.OrdinalIgnoreCase))
            {
                Fail(GpuCsvColumns.Uuid, row.Uuid, $"uuid {row.Uuid} already belongs to GPU {owner}.");
            }

            if (!ok)
            {
                continue;
            }

            if (current is null)
            {
                plan.Inserts.Add((row, modelId, dcId, host));
            }
            else
            {
                candidates.Add((row, modelId, dcId, host, current));
            }
        }

        // Known serials: apply each row to a detached copy of its card, so the domain itself judges every lifecycle move
        // (role, required fields) and rows that change nothing are told apart, in chunks so memory stays flat.
        foreach (var chunk in candidates.Chunk(ChunkSize))
        {
            var ids = chunk.Select(u => u.Existing.Id).ToList();
            var cards = await db.Gpus.AsNoTracking().Include(g => g.Placements.Where(p => p.To == null)).Where(g => ids.Contains(g.Id))
                .ToDictionaryAsync(g => g.Id, ct);
            foreach (var candidate in chunk)
            {
                try
                {
                    if (Apply(cards[candidate.Existing.Id], candidate.Row, candidate.ModelId, candidate.DatacenterId, candidate.Host, actor, now).Changed)
                    {
                        plan.Updates.Add(candidate);
                    }
                    else
                    {
                        plan.Unchanged++;
                    }
                }
                catch (RowRefusedException ex)
                {
                    errors.Add(candidate.Row.Line, ex.Column, ex.Value, ex.Message);
                }
            }
        }

        return plan;
    }

    /// <summary>
    /// Applies an upsert row to its card: given cells replace fields (a date naming the stored day is no change), a new
    /// host and slot place it, and a new status is a lifecycle move through <see cref="Gpu.TransitionTo"/> for the
    /// importing role, with the row's notes as its message. Throws <see cref="RowRefusedException"/> where the domain refuses.
    /// </summary>
    private static (bool Changed, TransitionRecord? Transition) Apply(
        Gpu gpu, ParsedRow row, int modelId, int? dcId, HostInfo? host, Actor actor, DateTime now)
    {
        var changed = false;
        string? Text(string? current, string? given)
        {
            if (given is null || string.Equals(current, given, StringComparison.Ordinal))
            {
                return current;
            }

            changed = true;
            return given;
        }

        T? Value<T>(T? current, T? given) where T : struct
        {
            if (given is null || Equals(current, given))
            {
                return current;
            }

            changed = true;
            return given;
        }

        // The CSV holds days: a date-only cell naming the stored day keeps the stored time.
        DateTime? Date(DateTime? current, DateTime? given) =>
            given is { } g && current is { } c && g.TimeOfDay == TimeSpan.Zero && g.Date == c.Date ? current : Value(current, given);

        if (gpu.GpuModelId != modelId)
        {
            gpu.GpuModelId = modelId;
            changed = true;
        }

        gpu.Uuid = Text(gpu.Uuid, row.Uuid);
        gpu.AssetTag = Text(gpu.AssetTag, row.AssetTag);
        gpu.BoardPartNumber = Text(gpu.BoardPartNumber, row.BoardPartNumber);
        gpu.Vbios = Text(gpu.Vbios, row.Vbios);
        gpu.PoNumber = Text(gpu.PoNumber, row.PoNumber);
        gpu.UnitCost = Value(gpu.UnitCost, row.UnitCost);
        gpu.Currency = Text(gpu.Currency, row.Currency)!;
        gpu.ReceivedAt = Date(gpu.ReceivedAt, row.ReceivedAt);
        gpu.InServiceAt = Date(gpu.InServiceAt, row.InServiceAt);
        gpu.WarrantyEndsAt = Date(gpu.WarrantyEndsAt, row.WarrantyEndsAt);
        gpu.Notes = Text(gpu.Notes, row.Notes);
        if (gpu.InServiceAt is { } inService && gpu.ReceivedAt is { } received && inService.Date < received.Date)
        {
            throw new RowRefusedException(row.InServiceAt is null ? GpuCsvColumns.ReceivedAt : GpuCsvColumns.InServiceAt,
                (row.InServiceAt ?? row.ReceivedAt)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                $"GPU {gpu.Serial} would be in service ({inService:yyyy-MM-dd}) before it was received ({received:yyyy-MM-dd}).");
        }

        if (host is not null && (gpu.HostId != host.Id || gpu.Slot != row.Slot))
        {
            try
            {
                gpu.PlaceIn(new Host { Id = host.Id, Hostname = host.Hostname, GpuSlots = host.Slots }, host.DatacenterId, row.Slot!.Value, now);
            }
            catch (DomainException ex)
            {
                throw new RowRefusedException(GpuCsvColumns.Slot, row.Slot?.ToString(CultureInfo.InvariantCulture), ex.Message);
            }

            gpu.Host = null;
            changed = true;
        }
        else if (host is null && dcId is not null && dcId != gpu.DatacenterId)
        {
            if (gpu.HostId is not null)
            {
                throw new RowRefusedException(GpuCsvColumns.Datacenter, row.Datacenter,
                    $"GPU {gpu.Serial} sits in a host of another datacenter; to move it, give its new host and slot.");
            }

            gpu.DatacenterId = dcId;
            changed = true;
        }

        TransitionRecord? transition = null;
        if (row.Status is { } to && to != gpu.Status)
        {
            var from = gpu.Status;
            try
            {
                transition = gpu.TransitionTo(to, actor.Name, actor.Role, now, row.Notes);
            }
            catch (DomainException ex)
            {
                var mine = GpuLifecycle.AllowedFrom(from, actor.Role);
                var hint = GpuLifecycle.Find(from, to)?.Requires.Contains(RequiredField.Message) == true && string.IsNullOrWhiteSpace(row.Notes)
                    ? " Put the reason in this row's notes column."
                    : "";
                throw new RowRefusedException(GpuCsvColumns.Status, to.ToString(),
                    $"A status change is a lifecycle move: {ex.Message}{hint} Moves the {actor.Role} role may make from {from}: " +
                    (mine.Count == 0 ? "none" : string.Join(", ", mine)) + ".");
            }

            changed = true;
        }

        return (changed, transition);
    }

    private async Task CommitAsync(FleetDbContext db, Plan plan, Actor actor, DateTime now, CancellationToken ct)
    {
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var inserted = plan.Inserts.Select(i =>
            {
                var status = i.Row.Status ?? GpuStatus.Received;
                var received = i.Row.ReceivedAt ?? now;
                return new Gpu(status)
                {
                    Serial = i.Row.Serial, Uuid = i.Row.Uuid, AssetTag = i.Row.AssetTag, BoardPartNumber = i.Row.BoardPartNumber, Vbios = i.Row.Vbios,
                    GpuModelId = i.ModelId, UnitCost = i.Row.UnitCost, Currency = i.Row.Currency ?? "USD",
                    PoNumber = i.Row.PoNumber, ReceivedAt = received, WarrantyEndsAt = i.Row.WarrantyEndsAt, Notes = i.Row.Notes,
                    // A card onboarded as already in service went into service when it arrived, unless the file says when.
                    InServiceAt = i.Row.InServiceAt ?? (status is GpuStatus.InService or GpuStatus.Maintenance ? received : null),
                    DatacenterId = i.DatacenterId, HostId = i.Host?.Id, Slot = i.Host is null ? null : i.Row.Slot, Version = 1,
                };
            }).ToList();
            await provider.BulkWriter.InsertAsync(db, inserted, ct);

            var placed = inserted.Where(g => g.HostId is not null).ToList();
            if (placed.Count > 0)
            {
                var ids = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var chunk in placed.Select(g => g.Serial).Chunk(ChunkSize))
                {
                    foreach (var g in await db.Gpus.AsNoTracking().Where(g => chunk.Contains(g.Serial)).Select(g => new { g.Serial, g.Id }).ToListAsync(ct))
                    {
                        ids[g.Serial] = g.Id;
                    }
                }

                await provider.BulkWriter.InsertAsync(db, placed.Select(g => new GpuPlacement
                {
                    GpuId = ids[g.Serial], HostId = g.HostId!.Value, Slot = g.Slot!.Value, From = now,
                }), ct);
            }

            var audits = inserted.Select(g => AuditLog.Entry(actor, now, nameof(Gpu), g.Serial, AuditActions.Import, null, AuditLog.GpuState(g),
                $"Imported as {g.Status}.")).ToList();

            foreach (var chunk in plan.Updates.Chunk(ChunkSize))
            {
                var ids = chunk.Select(u => u.Existing.Id).ToList();
                var tracked = await db.Gpus.Include(g => g.Placements.Where(p => p.To == null)).Where(g => ids.Contains(g.Id))
                    .ToDictionaryAsync(g => g.Id, ct);
                foreach (var (row, modelId, dcId, host, existing) in chunk)
                {
                    var gpu = tracked[existing.Id];
                    var before = AuditLog.GpuState(gpu);
                    var (_, transition) = Apply(gpu, row, modelId, dcId, host, actor, now);
                    audits.Add(transition is null
                        ? AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Import, before, AuditLog.GpuState(gpu), "Updated by import.")
                        : AuditLog.Entry(actor, now, nameof(Gpu), gpu.Serial, AuditActions.Transition, before, AuditLog.GpuState(gpu),
                            string.Create(CultureInfo.InvariantCulture, $"{transition.From} → {transition.To} by CSV import (line {row.Line})")
                            + (string.IsNullOrWhiteSpace(transition.Message) ? "" : $": {transition.Message}")));
                }

                db.ChangeTracker.DetectChanges();
                await db.SaveChangesAsync(ct);
            }

            await provider.BulkWriter.InsertAsync(db, audits, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception ex) when (ex is RowRefusedException || provider.Classify(ex) == DatabaseErrorKind.UniqueViolation)
        {
            await tx.RollbackAsync(CancellationToken.None);
            throw new ConcurrencyException(
                "Another change wrote some of these GPUs (same serial, uuid or slot) while this import ran; nothing was written. Run the import again.");
        }
    }

    /// <summary>Errors in file order, capped so a hopeless file does not produce a million of them.</summary>
    private sealed class ErrorList(int max)
    {
        private readonly List<ImportError> _items = [];
        private int _dropped;

        public int Count => _items.Count + _dropped;
        public bool Full => _items.Count >= max;

        public IReadOnlyList<ImportError> Items => _dropped == 0
            ? _items.OrderBy(e => e.Line).ToList()
            : [.. _items.OrderBy(e => e.Line), new ImportError(_items.Max(e => e.Line), "", null, $"…and {_dropped:N0} more errors not listed.")];

        public void Add(int line, string column, string? value, string message)
        {
            if (_items.Count >= max)
            {
                _dropped++;
                return;
            }

            _items.Add(new ImportError(line, column, value, message));
        }
    }
}
