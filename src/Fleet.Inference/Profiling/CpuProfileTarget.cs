using System.Runtime.InteropServices;
using Fleet.Domain.Models;
using Fleet.Inference.Checkpoints;
using Fleet.Inference.Cpu;
using Fleet.Inference.Model;

namespace Fleet.Inference.Profiling;

/// <summary>
/// Profiles the CPU engine on a preset with seeded random weights. The CPU engine has no batched kernels, so a decode
/// step of B sequences is B single-sequence steps; KV contents do not change the cost, so a step at context c runs at
/// position c directly. Refuses shapes whose float32 weights would not fit the budget, rather than run for hours.
/// </summary>
public sealed class CpuProfileTarget : IProfileTarget
{
    /// <summary>Largest float32 weight footprint the CPU profiler accepts (about 500 M parameters).</summary>
    public const long MaxWeightBytes = 2L << 30;

    private readonly TransformerWeights _weights;
    private readonly CpuTransformer _engine;
    private readonly TimeProvider _time;
    private readonly int _threads;

    public CpuProfileTarget(ModelShape shape, int maxContext, int threads, Random random, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(time);
        var bytes = shape.WeightBytes(sizeof(float));
        if (bytes > MaxWeightBytes)
        {
            throw new InvalidOperationException(
                $"Preset {shape.Name} has {shape.Parameters / 1e9:F2} B parameters = {bytes / 1e9:F1} GB of float32 weights; the CPU profiler stops at {MaxWeightBytes / 1e9:F1} GB " +
                "(a decode step alone would take seconds and prefill hours). Profile it with --device gpu, or use stories-15m / stories-110m on the CPU.");
        }

        var config = shape.WithContext(Math.Min(maxContext + 1, shape.MaxContext));
        _weights = SyntheticWeights.Create(config, random);
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        _engine = new CpuTransformer(_weights, _threads);
        _time = time;
        MaxContext = config.MaxContext;
    }

    public string GpuModel => "cpu";

    public string DeviceName => $"{RuntimeInformation.ProcessArchitecture} CPU, {_threads} threads";

    public long DeviceMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public long WeightBytes => _weights.Config.Parameters * sizeof(float);

    public long KvBytesPerToken => 2L * _weights.Config.Layers * _weights.Config.KvDim * sizeof(float);

    public int MaxContext { get; }

    public long WorkspaceBytes(int batch) => 64L << 20;

    public ProfileCeilings MeasureCeilings(CancellationToken cancellationToken) =>
        new(CpuCeilings.ReadBandwidth(_threads, _time, cancellationToken), CpuCeilings.MatmulFlops(_threads, _time, cancellationToken));

    public double Prefill(int batch, int promptTokens, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        for (var b = 0; b < batch; b++)
        {
            // Logits only for the last prompt position (the first generated token), as a server's prefill.
            for (var pos = 0; pos < promptTokens; pos++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = (pos * 31) % _weights.Config.VocabSize;
                if (pos < promptTokens - 1)
                {
                    _engine.Prefill(token, pos);
                }
                else
                {
                    _engine.Forward(token, pos);
                }
            }
        }

        return _time.GetElapsedTime(start).TotalSeconds;
    }

    public double DecodeStep(int batch, int context, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        for (var b = 0; b < batch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _engine.Forward(b % _weights.Config.VocabSize, context);
        }

        return _time.GetElapsedTime(start).TotalSeconds;
    }

    public void Dispose()
    {
        _engine.Dispose();
        _weights.Dispose();
    }
}
