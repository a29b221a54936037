namespace Fleet.Application.Common;

/// <summary>One page of a larger result.</summary>
public sealed record PagedResult<T>(int Total, IReadOnlyList<T> Items);
