namespace Fleet.Application.Common;

/// <summary>Who is acting: the name kept in the audit trail, the role the rules check, the request to trace.</summary>
public sealed record Actor(string Name, string Role, string? RequestId = null)
{
    public static Actor System { get; } = new("system", Domain.Roles.Admin);
}

/// <summary>One page of a larger result.</summary>
public sealed record PagedResult<T>(int Total, IReadOnlyList<T> Items);

/// <summary>A request was malformed: the message says which parameter and why (HTTP 400).</summary>
public sealed class ValidationException(string parameter, string message) : Domain.DomainException(message)
{
    public string Parameter { get; } = parameter;
}
