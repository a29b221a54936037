namespace Fleet.Inference.Gpu;

/// <summary>The inputs of the profiler's matrix ceiling: seeded random activations and 16-bit weights in [-1, 1).</summary>
public static class CeilingOperands
{
    /// <summary><paramref name="rows"/>×<paramref name="dim"/> FP32 activations and <paramref name="dim"/>² weights of <paramref name="type"/>.</summary>
    public static (float[] X, ushort[] W) Random(int rows, int dim, DeviceWeightType type, int seed)
    {
        var random = new Random(seed);
        var x = new float[(long)rows * dim];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var w = new ushort[(long)dim * dim];
        for (var i = 0; i < w.Length; i++)
        {
            var v = (float)((random.NextDouble() * 2) - 1);
            w[i] = type == DeviceWeightType.FP16
                ? BitConverter.HalfToUInt16Bits((Half)v)
                : (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16);
        }

        return (x, w);
    }
}
