namespace Fleet.Data.Identity;

/// <summary>A bearer token for agents and integrations, stored as a SHA-256 hash and scoped to one role.</summary>
public class ApiToken
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }
    public required string Role { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    /// <summary>Refused from this moment on; null only on tokens issued before expiry existed.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>When the token last authenticated a request (updated at most once a minute).</summary>
    public DateTime? LastUsedAt { get; set; }

    /// <summary>Who issued it (an audit actor's name).</summary>
    public string? CreatedBy { get; set; }
}
