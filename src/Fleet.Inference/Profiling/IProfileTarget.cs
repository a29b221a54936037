using Fleet.Domain.Models;

namespace Fleet.Inference.Profiling;

/// <summary>A device running one model that the profiler can time. CPU and GPU engines each provide one.</summary>
public interface IProfileTarget : IDisposable
{
    /// <summary>Catalog name of the GPU model, or "cpu".</summary>
    string GpuModel { get; }

    /// <summary>The device as the driver or OS names it.</summary>
    string DeviceName { get; }

    /// <summary>Memory the device offers for weights and KV cache.</summary>
    long DeviceMemoryBytes { get; }

    /// <summary>Bytes of weights as held on this device.</summary>
    long WeightBytes { get; }

    /// <summary>KV-cache bytes per token of context, all layers.</summary>
    long KvBytesPerToken { get; }

    /// <summary>Bytes reserved besides weights and KV cache (activations, workspace).</summary>
    long WorkspaceBytes(int batch);

    /// <summary>Longest context the target supports.</summary>
    int MaxContext { get; }

    /// <summary>Measures the device's own bandwidth and matrix-product ceilings.</summary>
    ProfileCeilings MeasureCeilings(CancellationToken cancellationToken);

    /// <summary>Seconds to prefill <paramref name="batch"/> prompts of <paramref name="promptTokens"/> tokens.</summary>
    double Prefill(int batch, int promptTokens, CancellationToken cancellationToken);

    /// <summary>Seconds for one decode step of <paramref name="batch"/> sequences each at <paramref name="context"/> tokens.</summary>
    double DecodeStep(int batch, int context, CancellationToken cancellationToken);
}
