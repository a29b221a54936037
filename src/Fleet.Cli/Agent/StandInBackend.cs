using Fleet.Domain.Contracts.BurnIn;
using Fleet.Domain.Catalog;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Devices;
using Fleet.Gpu.Matmul;
using Fleet.Gpu.Telemetry;
using ILGPU.Runtime;

namespace Fleet.Cli.Agent;

/// <summary>
/// ILGPU's CPU accelerator standing in for a named card (<c>--stand-in SERIAL</c>): the same kernels and checks run, the device
/// carries the card's serial so the server can match it, and the result marks it <c>standIn: true</c>, never real silicon.
/// </summary>
public sealed class StandInBackend : IComputeBackend
{
    private readonly IComputeBackend _inner;

    public StandInBackend(IComputeBackend cpu, string serial)
    {
        _inner = cpu;
        Serial = serial;
        Info = cpu.Info with
        {
            Id = "cpu:" + serial,
            Name = $"{cpu.Info.Name}, standing in for {serial}",
            Serial = serial,
            Uuid = null,
            PciBusId = null,
        };
    }

    /// <summary>The card this backend stands in for.</summary>
    public string Serial { get; }

    /// <summary>What the agent reports for a stand-in when claiming (no UUID or bus id: the server matches it by serial).</summary>
    public static AgentDevice Describe(string serial) => new(null, serial, null, "ILGPU CPU accelerator (stand-in for " + serial + ")");

    /// <inheritdoc/>
    public GpuDeviceInfo Info { get; }

    /// <inheritdoc/>
    public Accelerator Accelerator => _inner.Accelerator;

    /// <inheritdoc/>
    public IMatmulEngine Matmul => _inner.Matmul;

    /// <inheritdoc/>
    public IReadOnlyList<IMatmulEngine> Engines => _inner.Engines;

    /// <inheritdoc/>
    public IReadOnlyList<Precision> StressPrecisions => _inner.StressPrecisions;

    /// <inheritdoc/>
    public ITelemetrySource Telemetry => _inner.Telemetry;

    /// <inheritdoc/>
    public DeviceScale Scale => _inner.Scale;

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => [.. _inner.Notes, $"CPU accelerator standing in for card {Serial}: not real silicon"];

    /// <inheritdoc/>
    public long FreeMemoryBytes() => _inner.FreeMemoryBytes();

    /// <inheritdoc/>
    public void BindToCurrentThread() => _inner.BindToCurrentThread();

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
