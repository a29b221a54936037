using Fleet.Domain;

namespace Fleet.Data;

/// <summary>
/// A text value the model cannot store: longer than its column or holding a NUL character. Thrown before anything is
/// written, whichever path (API, page, import) the value came by.
/// </summary>
public sealed class FieldValueException(string entity, string field, string message) : DomainException(message)
{
    /// <summary>The entity type, for example <c>Vendor</c>.</summary>
    public string Entity { get; } = entity;

    /// <summary>The property as the API names it (camelCase), for example <c>notes</c>.</summary>
    public string Field { get; } = field;
}
