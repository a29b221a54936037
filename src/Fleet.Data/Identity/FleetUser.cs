using Microsoft.AspNetCore.Identity;

namespace Fleet.Data.Identity;

/// <summary>A person who signs in to the web app.</summary>
public class FleetUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
}
