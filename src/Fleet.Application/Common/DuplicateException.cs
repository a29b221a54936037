namespace Fleet.Application.Common;

/// <summary>The record to create already exists (HTTP 409): another request, possibly at the same moment, made it first.</summary>
public sealed class DuplicateException(string parameter, string message) : Domain.DomainException(message)
{
    public string Parameter { get; } = parameter;
}
