namespace Fleet.Domain.Audit;

/// <summary>One create, update, delete or transition, kept forever. The actor's name is copied, not referenced.</summary>
public class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public required string Actor { get; set; }
    public string? RequestId { get; set; }
    public required string EntityType { get; set; }
    public required string EntityKey { get; set; }
    public required string Action { get; set; }
    public string? BeforeJson { get; set; }
    public string? AfterJson { get; set; }
    public string? Message { get; set; }
}

public static class AuditActions
{
    public const string Create = "Create";
    public const string Update = "Update";
    public const string Delete = "Delete";
    public const string Transition = "Transition";
    public const string Import = "Import";
}
