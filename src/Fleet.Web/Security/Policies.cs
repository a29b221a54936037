using System.Security.Claims;
using Fleet.Application.Common;
using Microsoft.AspNetCore.Authorization;

namespace Fleet.Web.Security;

/// <summary>Authorization policies by role; Admin passes every one.</summary>
public static class Policies
{
    public const string AnyRole = "AnyRole";
    public const string Procurement = "Procurement";
    public const string Technician = "Technician";
    public const string Finance = "Finance";
    public const string Admin = "Admin";
    public const string Agent = "Agent";
    /// <summary>A one-off burn-in run: posted by a technician at a bench or by a host's agent token.</summary>
    public const string TechnicianOrAgent = "TechnicianOrAgent";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(AnyRole, p => p.RequireRole(Roles.Readers));
        // A bare [Authorize] (the pages) admits readers only: an Agent token claims jobs and nothing else.
        options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.Readers).Build();
        options.AddPolicy(Procurement, p => p.RequireRole(Roles.Admin, Roles.Procurement));
        options.AddPolicy(Technician, p => p.RequireRole(Roles.Admin, Roles.Technician));
        options.AddPolicy(Finance, p => p.RequireRole(Roles.Admin, Roles.Finance));
        options.AddPolicy(Admin, p => p.RequireRole(Roles.Admin));
        options.AddPolicy(Agent, p => p.RequireRole(Roles.Admin, Roles.Agent));
        options.AddPolicy(TechnicianOrAgent, p => p.RequireRole(Roles.Admin, Roles.Technician, Roles.Agent));
    }

    /// <summary>The audit actor for a signed-in principal: its display name and its strongest role.</summary>
    public static Actor ToActor(this ClaimsPrincipal user, string? requestId = null)
    {
        var role = Roles.All.FirstOrDefault(user.IsInRole) ?? Roles.Viewer;
        var name = user.FindFirst("display_name")?.Value ?? user.Identity?.Name ?? "unknown";
        return new Actor(name, role, requestId);
    }
}
