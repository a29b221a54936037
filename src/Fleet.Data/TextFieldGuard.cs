using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Fleet.Data;

/// <summary>The model's column lengths are the text limits: every added or changed text value is checked against them before a save.</summary>
internal static class TextFieldGuard
{
    public static void Check(ChangeTracker tracker)
    {
        // Changes were just detected for the version bump; a second pass over a large import's entities would only repeat it.
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            CheckEntries(tracker);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    private static void CheckEntries(ChangeTracker tracker)
    {
        foreach (var entry in tracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }

            foreach (var property in entry.Properties)
            {
                if (property.CurrentValue is not string text || (entry.State == EntityState.Modified && !property.IsModified))
                {
                    continue;
                }

                var entity = entry.Metadata.ClrType.Name;
                var field = JsonNamingPolicy.CamelCase.ConvertName(property.Metadata.Name);
                if (property.Metadata.GetMaxLength() is { } max && text.Length > max)
                {
                    throw new FieldValueException(entity, field, string.Create(CultureInfo.InvariantCulture,
                        $"{entity} {field} takes at most {max:N0} characters; this one has {text.Length:N0}."));
                }

                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    throw new FieldValueException(entity, field, $"{entity} {field} contains a NUL character (U+0000), which text may not hold.");
                }
            }
        }
    }
}
