using System.Globalization;
using Fleet.Domain.Lifecycle;

namespace Fleet.Domain.Inventory;

/// <summary>
/// The one table of a card's text lengths: the database columns (EF's <c>HasMaxLength</c>), the editor and the CSV import
/// all read it, so changing a length here changes it everywhere.
/// </summary>
public static class GpuFieldLimits
{
    public const int Serial = 64;
    public const int Uuid = 64;
    public const int AssetTag = 64;
    public const int BoardPartNumber = 64;
    public const int Vbios = 64;
    public const int PoNumber = 64;
    public const int Notes = 2000;

    /// <summary>The stored status name (the longest lifecycle state's name fits).</summary>
    public const int Status = 16;

    /// <summary>A currency column holds a <see cref="CurrencyCode"/>: three letters.</summary>
    public const int Currency = CurrencyCode.Length;

    /// <summary>The catalog model's name a card row names.</summary>
    public const int Model = 100;

    /// <summary>The host's name a card row names.</summary>
    public const int Host = 128;

    /// <summary>The datacenter's code a card row names.</summary>
    public const int Datacenter = 16;

    /// <summary>The longest cell the import reads for a value it then parses: a slot number.</summary>
    public const int SlotText = 4;

    /// <summary>The longest cell the import reads for a unit cost before parsing it.</summary>
    public const int UnitCostText = 32;

    /// <summary>The longest cell the import reads for a currency before judging it (so a wrong one gets the currency rule, not a length).</summary>
    public const int CurrencyText = 16;

    /// <summary>The longest cell the import reads for a date before parsing it.</summary>
    public const int DateText = 40;

/// <summary>The earliest and latest dates a card's dates may name (as the import checks them).</summary>
    public static DateTime Earliest { get; } = new(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime Latest { get; } = new(2100, 12, 31, 0, 0, 0, DateTimeKind.Utc);
}

/// <summary>One field of an edit the domain refused, and why.</summary>
public sealed record GpuFieldError(string Field, string Message);

/// <summary>An edit broke one or more field rules; nothing was changed. <see cref="Errors"/> names each field.</summary>
public sealed class GpuEditException(IReadOnlyList<GpuFieldError> errors)
    : DomainException(errors.Count == 1 ? errors[0].Message : $"{errors.Count} fields are not valid: " + string.Join(" ", errors.Select(e => e.Message)))
{
    public IReadOnlyList<GpuFieldError> Errors { get; } = errors;
}

/// <summary>
/// New values for a card's descriptive fields. Each is the whole new value (null or blank clears it); the card
/// checks them all with <see cref="Gpu.CheckEdit"/> before <see cref="Gpu.ApplyEdit"/> changes anything.
/// </summary>
public sealed record GpuEdit(string? Uuid, string? AssetTag, string? BoardPartNumber, string? Vbios, string? Notes, DateTime? WarrantyEndsAt)
{
    /// <summary>Checks one text field as the import does: trimmed, within its length, no control characters (tabs only in notes).</summary>
    public static string? CheckText(string field, string? value, int max, bool allowTab, ICollection<GpuFieldError> errors)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }

        if (v.Length > max)
        {
            errors.Add(new GpuFieldError(field, string.Create(CultureInfo.InvariantCulture,
                $"{field} is {v.Length:N0} characters long; the limit is {max:N0}.")));
            return null;
        }

        if (v.Any(c => char.IsControl(c) && !(allowTab && c == '\t')))
        {
            errors.Add(new GpuFieldError(field, $"{field} contains control characters."));
            return null;
        }

        return v;
    }
}

public partial class Gpu
{
    /// <summary>Every rule <paramref name="edit"/> breaks on this card, by field (empty: it may be applied).</summary>
    public IReadOnlyList<GpuFieldError> CheckEdit(GpuEdit edit)
    {
        var errors = new List<GpuFieldError>();
        GpuEdit.CheckText("uuid", edit.Uuid, GpuFieldLimits.Uuid, false, errors);
        GpuEdit.CheckText("assetTag", edit.AssetTag, GpuFieldLimits.AssetTag, false, errors);
        GpuEdit.CheckText("boardPartNumber", edit.BoardPartNumber, GpuFieldLimits.BoardPartNumber, false, errors);
        GpuEdit.CheckText("vbios", edit.Vbios, GpuFieldLimits.Vbios, false, errors);
        GpuEdit.CheckText("notes", edit.Notes, GpuFieldLimits.Notes, true, errors);
        if (edit.WarrantyEndsAt is { } warranty)
        {
            if (warranty < GpuFieldLimits.Earliest || warranty > GpuFieldLimits.Latest)
            {
                errors.Add(new GpuFieldError("warrantyEndsAt", string.Create(CultureInfo.InvariantCulture,
                    $"warrantyEndsAt {warranty:yyyy-MM-dd} is outside 1990–2100.")));
            }
            else if (ReceivedAt is { } received && warranty.Date < received.Date)
            {
                errors.Add(new GpuFieldError("warrantyEndsAt", string.Create(CultureInfo.InvariantCulture,
                    $"warrantyEndsAt is before the card was received ({received:yyyy-MM-dd}).")));
            }
        }

        return errors;
    }

    /// <summary>Applies <paramref name="edit"/> after checking it; throws <see cref="GpuEditException"/> naming every bad field, changing nothing.</summary>
    public void ApplyEdit(GpuEdit edit)
    {
        var errors = CheckEdit(edit);
        if (errors.Count > 0)
        {
            throw new GpuEditException(errors);
        }

        var ignored = new List<GpuFieldError>();
        Uuid = GpuEdit.CheckText("uuid", edit.Uuid, GpuFieldLimits.Uuid, false, ignored);
        AssetTag = GpuEdit.CheckText("assetTag", edit.AssetTag, GpuFieldLimits.AssetTag, false, ignored);
        BoardPartNumber = GpuEdit.CheckText("boardPartNumber", edit.BoardPartNumber, GpuFieldLimits.BoardPartNumber, false, ignored);
        Vbios = GpuEdit.CheckText("vbios", edit.Vbios, GpuFieldLimits.Vbios, false, ignored);
        Notes = GpuEdit.CheckText("notes", edit.Notes, GpuFieldLimits.Notes, true, ignored);
        WarrantyEndsAt = edit.WarrantyEndsAt is { } w ? DateTime.SpecifyKind(w.Date, DateTimeKind.Utc) : null;
    }

    /// <summary>Why this card may not be taken out of its host now (null: it may).</summary>
    public string? WhyNotUnplace() => Status is GpuStatus.InService && HostId is not null
        ? $"GPU {Serial} is InService, which needs a host: move it to Maintenance before taking it out, or pick another slot."
        : null;

    /// <summary>Why this card may not be placed in a host now (null: it may): cards away at the vendor or gone are not in a rack.</summary>
    public string? WhyNotPlace() => Status is GpuStatus.RmaShipped or GpuStatus.Returned or GpuStatus.Retired or GpuStatus.Disposed or GpuStatus.Ordered
        ? $"GPU {Serial} is {Status}; a card in that state is not placed in a host."
        : null;
}
