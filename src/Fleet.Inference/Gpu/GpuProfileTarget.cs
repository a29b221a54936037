using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Inference.Model;
using Fleet.Inference.Profiling;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Gpu;

/// <summary>
/// Profiles the GPU engine on a preset with seeded random 16-bit weights generated on the device. The engine is
/// re-created when a point needs more sequence slots or a longer context, so only what a point needs is allocated.
/// </summary>
public sealed class GpuProfileTarget : IProfileTarget
{
    private const int PrefillChunk = 2048;
    private readonly GpuDevice _device;
    private readonly DeviceWeights _weights;
    private readonly TimeProvider _time;
    private readonly ModelShape _config;
    private readonly bool _ownsDevice;
    private GpuTransformer? _engine;

    /// <param name="ownsDevice">Dispose <paramref name="device"/> with this target.</param>
    public GpuProfileTarget(GpuDevice device, ModelShape shape, DeviceWeightType type, int maxContext, ulong seed, TimeProvider time, bool ownsDevice = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(shape);
        _device = device;
        _ownsDevice = ownsDevice;
        _time = time;
        _config = shape.WithContext(Math.Min(maxContext + 1, shape.MaxContext));
        var weightBytes = shape.WeightBytes(sizeof(ushort));
        if (weightBytes > device.MemoryBytes * 0.9)
        {
            throw new InvalidOperationException(
                $"Preset {shape.Name} needs {weightBytes / 1e9:F1} GB of 16-bit weights; {device.Name} has {device.MemoryBytes / 1e9:F1} GB.");
        }

        _weights = DeviceWeights.Random(device, _config, type, seed);
        MaxContext = _config.MaxContext;
    }

    public string GpuModel => GpuCatalog.MatchDeviceName(_device.Name)?.Name ?? _device.Name;

    public string DeviceName => $"{_device.Name} (matmul: {_device.Matmul.Name}{(_device.MatmulNote is { } note ? "; " + note : string.Empty)})";

    public long DeviceMemoryBytes => _device.MemoryBytes;

    public long WeightBytes => _weights.Bytes;

    public long KvBytesPerToken => 2L * _config.Layers * _config.KvDim * sizeof(ushort);

    public int MaxContext { get; }

    public long WorkspaceBytes(int batch) => GpuTransformer.WorkspaceBytes(_config, Math.Max(batch, PrefillChunk), batch, MaxContext);

    public ProfileCeilings MeasureCeilings(CancellationToken cancellationToken)
    {
        var a = _device.Accelerator;
        var free = Math.Max(64L << 20, (DeviceMemoryBytes - _weights.Bytes) / 8);
        // 1 GiB per buffer on a GPU; ILGPU's CPU accelerator simulates threads, so it gets a token size.
        var n = (int)Math.Min(_device.IsCpu ? 1L << 16 : 256L << 20, free / sizeof(float) / 2);
        double bandwidth;
        using (var src = a.Allocate1D<float>(n))
        using (var dst = a.Allocate1D<float>(n))
        {
            src.MemSetToZero();
            // A device-to-device copy (cuMemcpyAsync), the call PyTorch's copy_ times, so that the two ceilings compare.
            bandwidth = 2.0 * n * sizeof(float) / Best(3, () => src.View.CopyTo(dst.View), cancellationToken);
        }

        // The matrix ceiling is what the engine's matmul backend (cuBLAS when present) reaches on a large product.
        // 8192³ on a GPU, as the PyTorch reference figure; token sizes on the CPU accelerator.
        var dim = _device.IsCpu ? Math.Min(_config.Dim, 64) : 8192;
        var rows = _device.IsCpu ? 4 : 8192;
        double flops;
        using (var x = a.Allocate1D<float>((long)rows * dim))
        using (var y = a.Allocate1D<float>((long)rows * dim))
        using (var w = a.Allocate1D<ushort>((long)dim * dim))
        {
            // Random operands: Hopper's tensor cores run faster on zeros, which would inflate the ceiling.
            var (hostX, hostW) = CeilingOperands.Random(rows, dim, _weights.Type, seed: 1);
            x.CopyFromCPU(hostX);
            w.CopyFromCPU(hostW);
            var matmul = _device.Matmul;
            var args = new GemvArgs { N = dim, D = dim, Rows = rows, WeightType = (int)_weights.Type };
            flops = 2.0 * rows * dim * dim / Best(3, () => matmul.Gemv(x.View, w.View, y.View, args), cancellationToken);
        }

        return new ProfileCeilings(bandwidth, flops);
    }

    public double Prefill(int batch, int promptTokens, CancellationToken cancellationToken)
    {
        var engine = Engine(Math.Min(promptTokens, PrefillChunk), batch, promptTokens);
        var tokens = Enumerable.Range(0, promptTokens).Select(i => (i * 31) % _config.VocabSize).ToArray();
        return Timed(() =>
        {
            for (var b = 0; b < batch; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                engine.Prefill(b, tokens, 0);
            }
        });
    }

    public double DecodeStep(int batch, int context, CancellationToken cancellationToken)
    {
        var engine = Engine(batch, batch, context + 1);
        var tokens = Enumerable.Range(0, batch).Select(i => i % _config.VocabSize).ToArray();
        var positions = Enumerable.Repeat(context, batch).ToArray();
        return Timed(() => engine.DecodeGreedy(tokens, positions));
    }

    public void Dispose()
    {
        _engine?.Dispose();
        _weights.Dispose();
        if (_ownsDevice)
        {
            _device.Dispose();
        }
    }

    private GpuTransformer Engine(int rows, int slots, int seqLen)
    {
        if (_engine is null || _engine.MaxRows < rows || _engine.Slots < slots || _engine.SeqLen < seqLen)
        {
            _engine?.Dispose();
            _engine = null;
            _engine = new GpuTransformer(_device, _weights, Math.Max(rows, _engine?.MaxRows ?? 1), slots, seqLen);
        }

        return _engine;
    }

    private double Timed(Action action)
    {
        _device.Synchronize();
        var start = _time.GetTimestamp();
        action();
        _device.Synchronize();
        return _time.GetElapsedTime(start).TotalSeconds;
    }

    private double Best(int repeats, Action action, CancellationToken cancellationToken)
    {
        Timed(action);
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            best = Math.Min(best, Timed(action));
        }

        return best;
    }
}
