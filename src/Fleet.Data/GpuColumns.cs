namespace Fleet.Data;

/// <summary>Columns of <c>gpus</c> that the database keeps and the domain does not hold (shadow properties).</summary>
public static class GpuColumns
{
    /// <summary>The card's host's name (null when unplaced), kept by triggers: what the grid's host sort reads.</summary>
    public const string HostName = "HostName";
}
