namespace Fleet.Application.Common;

/// <summary>A request was malformed: the message says which parameter and why (HTTP 400).</summary>
public sealed class ValidationException(string parameter, string message) : Domain.DomainException(message)
{
    public string Parameter { get; } = parameter;
}
