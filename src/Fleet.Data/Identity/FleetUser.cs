using Microsoft.AspNetCore.Identity;

namespace Fleet.Data.Identity;

/// <summary>A person who signs in to the web app.</summary>
public class FleetUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
}

/// <summary>A bearer token for agents and integrations, stored as a SHA-256 hash and scoped to one role.</summary>
public class ApiToken
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }
    public required string Role { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
