namespace Fleet.Planning.Simulation;

/// <summary>One request's simulation state, kept together so a replica touching a request touches one cache line.</summary>
internal struct RequestState
{
    public double Arrival;
    public double Admitted;
    public double FirstToken;
    public double Finished;
    public int Prompt;
    public int Output;
    /// <summary>The next request in the queue or prefill list this one is threaded on; −1 at the tail.</summary>
    public int Next;
    /// <summary>Prompt tokens still to prefill.</summary>
    public int Remaining;
    public int Replica;
    public RequestPhase Phase;
}
