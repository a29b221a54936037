using Fleet.Application.Export;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Import;

/// <summary>A row that passed the per-field checks, with its parsed values.</summary>
internal sealed record GpuImportRow(
    int Line, string Serial, string Model, GpuStatus? Status, string? Datacenter, string? Host, int? Slot, string? Uuid,
    string? AssetTag, string? BoardPartNumber, string? Vbios, string? PoNumber, decimal? UnitCost, CurrencyCode? Currency,
    DateTime? ReceivedAt, DateTime? InServiceAt, DateTime? WarrantyEndsAt, string? Notes);

/// <summary>
/// The field rules: each cell of one row on its own and the cells of a row together (dates in order, a host with its
/// slot), with no database; every refusal names the row's line, the column and the value.
/// </summary>
internal static class GpuRowRules
{
    private const decimal MaxUnitCost = 10_000_000m;
    private static readonly string[] s_dateFormats =
        ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ss"];

    /// <summary>The longest text each column takes, from the one table of a card's lengths (<see cref="GpuFieldLimits"/>).</summary>
    public static IReadOnlyDictionary<string, int> MaxLength { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [GpuCsvColumns.Serial] = GpuFieldLimits.Serial, [GpuCsvColumns.Model] = GpuFieldLimits.Model, [GpuCsvColumns.Status] = GpuFieldLimits.Status,
        [GpuCsvColumns.Datacenter] = GpuFieldLimits.Datacenter, [GpuCsvColumns.Host] = GpuFieldLimits.Host, [GpuCsvColumns.Slot] = GpuFieldLimits.SlotText,
        [GpuCsvColumns.Uuid] = GpuFieldLimits.Uuid, [GpuCsvColumns.AssetTag] = GpuFieldLimits.AssetTag, [GpuCsvColumns.BoardPartNumber] = GpuFieldLimits.BoardPartNumber,
        [GpuCsvColumns.Vbios] = GpuFieldLimits.Vbios, [GpuCsvColumns.PoNumber] = GpuFieldLimits.PoNumber, [GpuCsvColumns.UnitCost] = GpuFieldLimits.UnitCostText,
        [GpuCsvColumns.Currency] = GpuFieldLimits.CurrencyText, [GpuCsvColumns.ReceivedAt] = GpuFieldLimits.DateText,
        [GpuCsvColumns.InServiceAt] = GpuFieldLimits.DateText, [GpuCsvColumns.WarrantyEndsAt] = GpuFieldLimits.DateText, [GpuCsvColumns.Notes] = GpuFieldLimits.Notes,
    };

    /// <summary>The row's parsed values, or null when a rule refused it (the reasons are in <paramref name="errors"/>).</summary>
    public static GpuImportRow? Check(int line, GpuCsvImportRow r, ImportErrorList errors)
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

            if (v.Length > MaxLength[column])
            {
                errors.Add(line, column, GpuCsvReader.Shorten(v), $"{column} is {v.Length:N0} characters long; the limit is {MaxLength[column]:N0}.");
                return null;
            }

            if (v.Any(c => char.IsControl(c) && c is not '\t' || column != GpuCsvColumns.Notes && c == '\t'))
            {
                errors.Add(line, column, GpuCsvReader.Shorten(v), $"{column} contains control characters.");
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
        if (model is null && r.Model is not { Length: > GpuFieldLimits.Model })
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

        CurrencyCode? currency = null;
        if (Text(GpuCsvColumns.Currency, r.Currency) is { } cur)
        {
            if (CurrencyCode.TryParse(cur, out var code))
            {
                currency = code;
            }
            else
            {
                errors.Add(line, GpuCsvColumns.Currency, r.Currency, "currency must be a three-letter ISO 4217 code such as USD or EUR.");
            }
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
        if (slot is not null && host is null && r.Host is not { Length: > GpuFieldLimits.Host })
        {
            errors.Add(line, GpuCsvColumns.Slot, r.Slot, "slot is given without a host.");
        }
        else if (host is not null && slot is null && errors.Count == before)
        {
            errors.Add(line, GpuCsvColumns.Slot, r.Slot, $"host '{host}' is given without a slot.");
        }

        var row = new GpuImportRow(line, serial ?? "", model ?? "", status, Text(GpuCsvColumns.Datacenter, r.Datacenter)?.ToUpperInvariant(),
            host, slot, Text(GpuCsvColumns.Uuid, r.Uuid), Text(GpuCsvColumns.AssetTag, r.AssetTag),
            Text(GpuCsvColumns.BoardPartNumber, r.BoardPartNumber), Text(GpuCsvColumns.Vbios, r.Vbios), Text(GpuCsvColumns.PoNumber, r.PoNumber),
            cost, currency, received, inService, warranty, Text(GpuCsvColumns.Notes, r.Notes));
        return errors.Count == before ? row : null;
    }

    private static DateTime? Date(int line, string column, string? value, ImportErrorList errors)
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

        if (d < GpuFieldLimits.Earliest || d > GpuFieldLimits.Latest)
        {
            errors.Add(line, column, value, $"{column} {d:yyyy-MM-dd} is outside 1990–2100.");
            return null;
        }

        return DateTime.SpecifyKind(d, DateTimeKind.Utc);
    }
}
