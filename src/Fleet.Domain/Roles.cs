namespace Fleet.Domain;

/// <summary>The roles of Fleet's users and API tokens.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Procurement = "Procurement";
    public const string Technician = "Technician";
    public const string Finance = "Finance";
    public const string Viewer = "Viewer";
    /// <summary>A burn-in agent: claims jobs, heartbeats and posts results, nothing else.</summary>
    public const string Agent = "Agent";

    public static readonly IReadOnlyList<string> All = [Admin, Procurement, Technician, Finance, Viewer, Agent];

    /// <summary>The roles of people and integrations that read the fleet (every role but <see cref="Agent"/>).</summary>
    public static readonly IReadOnlyList<string> Readers = [Admin, Procurement, Technician, Finance, Viewer];

    /// <summary>True when <paramref name="held"/> satisfies a rule that asks for <paramref name="required"/>: Admin satisfies every rule.</summary>
    public static bool Satisfies(string held, string required) =>
        string.Equals(held, Admin, StringComparison.Ordinal) || string.Equals(held, required, StringComparison.Ordinal);
}
