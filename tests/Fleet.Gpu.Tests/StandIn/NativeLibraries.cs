namespace Fleet.Gpu.Tests.StandIn;

/// <summary>
/// Tests that load native libraries into the test process (the stand-in NVML, probes of the real ones) run one at a time:
/// once the stand-in is loaded, a probe by soname finds it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NativeLibraries
{
    public const string Name = "native libraries in the test process";
}
