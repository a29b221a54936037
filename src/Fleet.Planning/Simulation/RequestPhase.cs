namespace Fleet.Planning.Simulation;

/// <summary>Where one request is in a simulated run.</summary>
internal enum RequestPhase : byte
{
    /// <summary>Not arrived yet.</summary>
    Pending,
    /// <summary>Waiting in a replica's queue or the shared queue.</summary>
    Queued,
    /// <summary>Admitted; its prompt (or the rest of it) is being prefilled.</summary>
    Prefilling,
    /// <summary>Producing output tokens, one per decode step.</summary>
    Decoding,
    /// <summary>Produced all its output.</summary>
    Done,
    /// <summary>Dropped: too long, no replica up, or stranded at the end.</summary>
    Dropped,
}
