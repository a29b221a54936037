namespace Fleet.Planning.Simulation;

/// <summary>
/// What one <see cref="SimulationRun"/> covers: replicas [<see cref="ReplicaFrom"/>, <see cref="ReplicaTo"/>) and the
/// requests routed to them in arrival order (<see cref="Requests"/>), each to the replica <see cref="Assigned"/> names.
/// </summary>
/// <param name="ReplicaFrom">The first replica of the part.</param>
/// <param name="ReplicaTo">One past the last replica; −1 for all.</param>
/// <param name="Requests">The part's requests by index, in arrival order; null for all of them.</param>
/// <param name="Assigned">Every request's replica (round-robin fixed in advance); null to route as the run goes.</param>
internal sealed record SimulationPart(int ReplicaFrom, int ReplicaTo, int[]? Requests, int[]? Assigned)
{
    /// <summary>The whole run: every replica, every request, routed as the run goes.</summary>
    public static SimulationPart All { get; } = new(0, -1, null, null);

    /// <summary>
    /// Splits replicas [0, <paramref name="replicas"/>) into <paramref name="parts"/> contiguous ranges with the requests
    /// <paramref name="assigned"/> routes to each; requests routed nowhere (−1, dropped on arrival) go with the first.
    /// </summary>
    public static SimulationPart[] Split(int replicas, int parts, int[] assigned)
    {
        var bounds = new int[parts + 1];
        for (var p = 0; p <= parts; p++)
        {
            bounds[p] = (int)((long)replicas * p / parts);
        }

        var partOf = new int[replicas];
        for (var p = 0; p < parts; p++)
        {
            Array.Fill(partOf, p, bounds[p], bounds[p + 1] - bounds[p]);
        }

        var counts = new int[parts];
        foreach (var r in assigned)
        {
            counts[r < 0 ? 0 : partOf[r]]++;
        }

        var lists = counts.Select(c => new int[c]).ToArray();
        Array.Clear(counts);
        for (var i = 0; i < assigned.Length; i++)
        {
            var p = assigned[i] < 0 ? 0 : partOf[assigned[i]];
            lists[p][counts[p]++] = i;
        }

        return Enumerable.Range(0, parts).Select(p => new SimulationPart(bounds[p], bounds[p + 1], lists[p], assigned)).ToArray();
    }
}
