namespace Fleet.Planning.Simulation;

/// <summary>What a replica's current step (or run of steps) does.</summary>
internal enum StepKind : byte
{
    /// <summary>Whole prompts, decodes paused (chunked prefill off).</summary>
    PrefillOnly = 1,
    /// <summary>Prompt chunks under the token budget plus one token for every decoding sequence.</summary>
    Mixed,
    /// <summary>One or more decode steps over an unchanged batch.</summary>
    Decode,
}
