namespace Fleet.Domain;

/// <summary>A rule of the domain was broken; the message is written for the user who broke it.</summary>
public class DomainException(string message) : Exception(message);

/// <summary>The acting user's role may not do this.</summary>
public sealed class ForbiddenException(string message) : DomainException(message);

/// <summary>Someone else changed the record since it was read.</summary>
public sealed class ConcurrencyException(string message) : DomainException(message);

/// <summary>The named record does not exist.</summary>
public sealed class NotFoundException(string message) : DomainException(message);
