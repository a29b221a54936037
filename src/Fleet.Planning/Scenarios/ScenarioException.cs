namespace Fleet.Planning.Scenarios;

/// <summary>A scenario was rejected; <see cref="Errors"/> lists every problem found, each starting with its JSON path.</summary>
public sealed class ScenarioException(IReadOnlyList<string> errors)
    : FormatException("Invalid scenario:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
