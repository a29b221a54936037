namespace Fleet.Web.Components.Shared;

/// <summary>
/// Tells screen-reader users what just happened (an import's result, a lifecycle move, an error) through the layout's
/// live regions (<see cref="LiveRegion"/>); one per circuit.
/// </summary>
public sealed class LiveAnnouncer
{
    /// <summary>Raised with the message and whether it is an error (announced assertively).</summary>
    public event Action<string, bool>? Announced;

    /// <summary>Announces <paramref name="message"/> politely, after what the reader is saying.</summary>
    public void Status(string message) => Announced?.Invoke(message, false);

    /// <summary>Announces <paramref name="message"/> at once.</summary>
    public void Error(string message) => Announced?.Invoke(message, true);
}
