namespace Fleet.Application.Common;

/// <summary>Who is acting: the name kept in the audit trail, the role the rules check, the request to trace.</summary>
public sealed record Actor(string Name, string Role, string? RequestId = null)
{
    public static Actor System { get; } = new("system", Domain.Roles.Admin);
}
