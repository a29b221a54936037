namespace Fleet.Cli.Agent;

/// <summary>
/// Exponential back-off with jitter, capped: the n-th wait is drawn from [½, 1] × min(max, initial × 2ⁿ), so a thousand
/// agents that lost the server together do not come back in step.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random random)
{
    private int _attempt;

    /// <summary>The next wait; each call doubles the ceiling until it reaches the cap.</summary>
    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * random.NextDouble())));
    }

    /// <summary>Back to the initial wait (after a success).</summary>
    public void Reset() => _attempt = 0;
}
