using Fleet.Inference.Gpu;

namespace Fleet.Inference.Tests;

public class CeilingOperandsTests
{
    [Theory]
    [InlineData(DeviceWeightType.BF16)]
    [InlineData(DeviceWeightType.FP16)]
    public void Random_MatrixCeilingInputs_NotZerosAndWithinUnitRange(DeviceWeightType type)
    {
        var (x, w) = CeilingOperands.Random(8, 64, type, seed: 3);
        Assert.Equal(8 * 64, x.Length);
        Assert.Equal(64 * 64, w.Length);
        // Zeros run faster on Hopper's tensor cores: almost every operand must be non-zero.
        Assert.True(x.Count(v => v != 0) > x.Length * 0.99);
        Assert.True(w.Count(v => (v & 0x7FFF) != 0) > w.Length * 0.99);
        var weights = w.Select(bits => type == DeviceWeightType.FP16
            ? (float)BitConverter.UInt16BitsToHalf(bits)
            : BitConverter.UInt32BitsToSingle((uint)bits << 16)).ToList();
        Assert.All(weights, v => Assert.InRange(v, -1f, 1f));
        Assert.All(x, v => Assert.InRange(v, -1f, 1f));
        Assert.True(weights.Min() < -0.5f && weights.Max() > 0.5f);
    }
}
