using Fleet.Domain.Models;
using Fleet.Inference.Model;

namespace Fleet.Inference.Gpu;

/// <summary>A single-sequence GPU decoder that owns its device, device weights and engine (for `fleet infer run --device gpu`).</summary>
public sealed class GpuDecoder : IDecoder
{
    private readonly GpuDevice _device;
    private readonly DeviceWeights _weights;
    private readonly GpuTransformer _engine;

    private GpuDecoder(GpuDevice device, DeviceWeights weights, GpuTransformer engine)
    {
        _device = device;
        _weights = weights;
        _engine = engine;
    }

    public ModelShape Config => _engine.Config;

    /// <summary>Uploads <paramref name="host"/> as <paramref name="type"/> to <paramref name="device"/>, taking ownership of the device.</summary>
    public static GpuDecoder Create(GpuDevice device, TransformerWeights host, DeviceWeightType type)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(host);
        DeviceWeights? weights = null;
        try
        {
            weights = DeviceWeights.Upload(device, host, type);
            return new GpuDecoder(device, weights, new GpuTransformer(device, weights, 1, 1, host.Config.MaxContext));
        }
        catch
        {
            weights?.Dispose();
            device.Dispose();
            throw;
        }
    }

    public Span<float> Forward(int token, int pos) => _engine.Forward(token, pos);

    public void Dispose()
    {
        _engine.Dispose();
        _weights.Dispose();
        _device.Dispose();
    }
}
