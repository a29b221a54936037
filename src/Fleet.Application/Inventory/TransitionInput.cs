using Fleet.Domain.Lifecycle;

namespace Fleet.Application.Inventory;

/// <summary>The checks a requested move passes before any card is loaded: the same for one card and for many.</summary>
internal static class TransitionInput
{
    /// <summary>The state <paramref name="to"/> names; refused when it is missing or unknown, or the message is too long.</summary>
    public static GpuStatus Target(string? to, string? message)
    {
        if (string.IsNullOrWhiteSpace(to))
        {
            throw new ValidationException("to", "Say which state to move to ('to').");
        }

        if (!GpuLifecycle.TryParse(to, out var status))
        {
            throw new ValidationException("to", $"Unknown status '{to}'. Valid statuses: {string.Join(", ", Enum.GetNames<GpuStatus>())}.");
        }

        if (message is { Length: > 2000 })
        {
            throw new ValidationException("message", "The message is longer than 2,000 characters.");
        }

        return status;
    }
}
