namespace Fleet.Planning.Simulation;

/// <summary>Events that take replicas down or bring them back.</summary>
internal enum ControlKind : byte
{
    /// <summary>A GPU of one replica fails (target: the replica).</summary>
    Failure,
    /// <summary>That replica is repaired (target: the replica).</summary>
    Repair,
    /// <summary>A datacenter goes dark (target: the datacenter).</summary>
    OutageStart,
    /// <summary>The datacenter comes back (target: the datacenter).</summary>
    OutageEnd,
}
