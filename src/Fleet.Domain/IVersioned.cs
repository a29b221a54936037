namespace Fleet.Domain;

/// <summary>An editable aggregate guarded by optimistic concurrency: every save bumps <see cref="Version"/>.</summary>
public interface IVersioned
{
    long Version { get; set; }
}
