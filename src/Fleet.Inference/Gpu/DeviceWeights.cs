using Fleet.Domain.Models;
using Fleet.Inference.Model;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Gpu;

/// <summary>16-bit weight type on the device.</summary>
public enum DeviceWeightType
{
    BF16 = 0,
    FP16 = 1,
}

/// <summary>
/// A model's weights on the device: matrices and the embedding as 16-bit raw values (BF16 or FP16), RMSNorm weights
/// as float32. Built from host weights, or filled with deterministic random values on the device for presets.
/// </summary>
public sealed class DeviceWeights : IDisposable
{
    private readonly Dictionary<WeightKind, MemoryBuffer1D<ushort, Stride1D.Dense>> _matrices = [];
    private readonly Dictionary<WeightKind, MemoryBuffer1D<float, Stride1D.Dense>> _norms = [];

    private DeviceWeights(ModelShape config, DeviceWeightType type)
    {
        Config = config;
        Type = type;
    }

    public ModelShape Config { get; }

    public DeviceWeightType Type { get; }

    /// <summary>Bytes held on the device.</summary>
    public long Bytes { get; private set; }

    public static bool IsNorm(WeightKind kind) => kind is WeightKind.RmsAtt or WeightKind.RmsFfn or WeightKind.RmsFinal;

    /// <summary>Converts host float32 weights (round to nearest even) and uploads them.</summary>
    public static DeviceWeights Upload(GpuDevice device, TransformerWeights host, DeviceWeightType type)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(host);
        var w = new DeviceWeights(host.Config, type);
        try
        {
            foreach (var kind in Kinds(host.Config))
            {
                var layers = WeightShapes.IsPerLayer(kind) ? host.Config.Layers : 1;
                var slice = WeightShapes.SliceLength(host.Config, kind);
                if (IsNorm(kind))
                {
                    var buffer = w.AllocateNorm(device, kind, slice * layers);
                    for (var l = 0; l < layers; l++)
                    {
                        buffer.View.SubView(l * slice, slice).CopyFromCPU(host.Get(kind, l).ToArray());
                    }
                }
                else
                {
                    var buffer = w.AllocateMatrix(device, kind, slice * layers);
                    for (var l = 0; l < layers; l++)
                    {
                        var src = host.Get(kind, l);
                        var bits = new ushort[src.Length];
                        for (var i = 0; i < bits.Length; i++)
                        {
                            bits[i] = GpuKernels.FromFloat(src[i], (int)type);
                        }

                        buffer.View.SubView(l * slice, slice).CopyFromCPU(bits);
                    }
                }
            }

            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
    }

    /// <summary>Fills every tensor on the device from a seed (no host memory; for presets up to the device's size).</summary>
    public static DeviceWeights Random(GpuDevice device, ModelShape config, DeviceWeightType type, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(config);
        var w = new DeviceWeights(config, type);
        try
        {
            ulong k = 0;
            foreach (var kind in Kinds(config))
            {
                var layers = WeightShapes.IsPerLayer(kind) ? config.Layers : 1;
                var slice = WeightShapes.SliceLength(config, kind);
                if (IsNorm(kind))
                {
                    var buffer = w.AllocateNorm(device, kind, slice * layers);
                    var ones = Enumerable.Repeat(1f, checked((int)(slice * layers))).ToArray();
                    buffer.View.CopyFromCPU(ones);
                }
                else
                {
                    var (_, cols) = WeightShapes.Shape(config, kind);
                    var scale = kind == WeightKind.TokenEmbedding ? 0.05f : 1.7f / MathF.Sqrt(cols);
                    var buffer = w.AllocateMatrix(device, kind, slice * layers);
                    for (var l = 0; l < layers; l++)
                    {
                        device.Kernels.FillRandom(checked((int)slice), buffer.View.SubView(l * slice, slice), seed + (k++ << 40), scale, 0f, (int)type);
                    }
                }
            }

            device.Synchronize();
            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
    }

    /// <summary>Rounds host weights in place to what the device holds, so CPU and GPU engines can be compared on equal weights.</summary>
    public static void RoundHostWeights(TransformerWeights host, DeviceWeightType type)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var kind in Kinds(host.Config).Where(k => !IsNorm(k)))
        {
            for (var l = 0; l < (WeightShapes.IsPerLayer(kind) ? host.Config.Layers : 1); l++)
            {
                var span = host.Get(kind, l);
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = GpuKernels.ToFloat(GpuKernels.FromFloat(span[i], (int)type), (int)type);
                }
            }
        }
    }

    internal ArrayView<ushort> Matrix(WeightKind kind, int layer = 0)
    {
        if (kind == WeightKind.Classifier && Config.TiedEmbeddings)
        {
            kind = WeightKind.TokenEmbedding;
        }

        var slice = WeightShapes.SliceLength(Config, kind);
        return _matrices[kind].View.SubView(WeightShapes.IsPerLayer(kind) ? layer * slice : 0, slice);
    }

    internal ArrayView<float> Norm(WeightKind kind, int layer = 0)
    {
        var slice = WeightShapes.SliceLength(Config, kind);
        return _norms[kind].View.SubView(WeightShapes.IsPerLayer(kind) ? layer * slice : 0, slice);
    }

    public void Dispose()
    {
        foreach (var b in _matrices.Values)
        {
            b.Dispose();
        }

        foreach (var b in _norms.Values)
        {
            b.Dispose();
        }
    }

    private static IEnumerable<WeightKind> Kinds(ModelShape c) =>
        WeightShapes.All.Where(k => !(k == WeightKind.Classifier && c.TiedEmbeddings));

    private MemoryBuffer1D<ushort, Stride1D.Dense> AllocateMatrix(GpuDevice device, WeightKind kind, long length)
    {
        var b = device.Accelerator.Allocate1D<ushort>(length);
        _matrices[kind] = b;
        Bytes += length * sizeof(ushort);
        return b;
    }

    private MemoryBuffer1D<float, Stride1D.Dense> AllocateNorm(GpuDevice device, WeightKind kind, long length)
    {
        var b = device.Accelerator.Allocate1D<float>(length);
        _norms[kind] = b;
        Bytes += length * sizeof(float);
        return b;
    }
}
