using System.Buffers.Binary;
using Fleet.Domain.Catalog;

namespace Fleet.Gpu.Matmul;

/// <summary>How a precision's matrices are stored on the device (ILGPU has no BF16 type, so 16-bit formats travel as raw bits).</summary>
public enum StorageType
{
    Float32,
    Float64,
    Raw16,
}

/// <summary>Per-precision facts: storage of inputs and results, and the rounding unit the checks scale their tolerance by.</summary>
public static class PrecisionFacts
{
    /// <summary>Input storage on the device.</summary>
    public static StorageType InputStorage(Precision p) => p switch
    {
        Precision.Fp64 => StorageType.Float64,
        Precision.Fp16 or Precision.Bf16 => StorageType.Raw16,
        Precision.Fp32 or Precision.Tf32 => StorageType.Float32,
        _ => throw new NotSupportedException($"precision {p} has no matrix storage here (FP8 needs cublasLt, not GemmEx)"),
    };

    /// <summary>Result storage: FP64 products stay FP64, everything else accumulates and stores FP32.</summary>
    public static StorageType ResultStorage(Precision p) => p == Precision.Fp64 ? StorageType.Float64 : StorageType.Float32;

    /// <summary>
    /// Effective unit roundoff of one product term: accumulation precision, or input rounding where the device rounds inputs
    /// itself (TF32 rounds FP32 inputs to 10 mantissa bits); 16-bit formats are pre-rounded on the host, so only FP32
    /// accumulation counts, loosened for tensor-core accumulation order.
    /// </summary>
    public static double UnitRoundoff(Precision p) => p switch
    {
        Precision.Fp64 => Math.Pow(2, -53),
        Precision.Fp32 => Math.Pow(2, -24),
        Precision.Tf32 => Math.Pow(2, -11),
        Precision.Fp16 or Precision.Bf16 => Math.Pow(2, -20),
        _ => Math.Pow(2, -13),
    };

    /// <summary>
    /// Relative tolerance (against the sum of |a·b| terms) for an inner dimension of <paramref name="k"/>: a probabilistic
    /// bound 16·√k·u, never looser than 1 %.
    /// </summary>
    public static double ReferenceTolerance(Precision p, int k) => Math.Min(0.01, 16 * Math.Sqrt(k) * UnitRoundoff(p));

    /// <summary>Relative tolerance between two runs of the same product (expected bit-identical; allows reordering).</summary>
    public static double RepeatTolerance(Precision p) => ResultStorage(p) == StorageType.Float64 ? 1e-12 : 1e-5;
}

/// <summary>
/// An n×n row-major matrix on the host: the exact values (as doubles, already rounded to the input format) for the
/// reference checks, and the raw form uploaded to the device.
/// </summary>
public sealed class HostMatrix
{
    private HostMatrix(int n, double[] values, float[]? f32, double[]? f64, ushort[]? raw16)
    {
        N = n;
        Values = values;
        Float32 = f32;
        Float64 = f64;
        Raw16 = raw16;
    }

    public int N { get; }
    public double[] Values { get; }
    public float[]? Float32 { get; }
    public double[]? Float64 { get; }
    public ushort[]? Raw16 { get; }

    /// <summary>Uniform values in [-1, 1) from <paramref name="random"/>, rounded to <paramref name="precision"/>'s input format.</summary>
    public static HostMatrix Random(Precision precision, int n, Random random)
    {
        var values = new double[n * n];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextDouble() * 2) - 1;
        }

        return From(precision, n, values);
    }

    /// <summary>Rounds <paramref name="values"/> to the precision's input format.</summary>
    public static HostMatrix From(Precision precision, int n, double[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(values.Length, n * n);
        var exact = new double[values.Length];
        switch (PrecisionFacts.InputStorage(precision))
        {
            case StorageType.Float64:
                Array.Copy(values, exact, values.Length);
                return new HostMatrix(n, exact, null, (double[])exact.Clone(), null);
            case StorageType.Float32:
                var f = new float[values.Length];
                for (var i = 0; i < f.Length; i++)
                {
                    f[i] = (float)values[i];
                    exact[i] = f[i];
                }

                return new HostMatrix(n, exact, f, null, null);
            default:
                var raw = new ushort[values.Length];
                for (var i = 0; i < raw.Length; i++)
                {
                    if (precision == Precision.Bf16)
                    {
                        raw[i] = FloatToBf16((float)values[i]);
                        exact[i] = Bf16ToFloat(raw[i]);
                    }
                    else
                    {
                        var h = (Half)values[i];
                        raw[i] = BitConverter.HalfToUInt16Bits(h);
                        exact[i] = (double)h;
                    }
                }

                return new HostMatrix(n, exact, null, null, raw);
        }
    }

    /// <summary>FP32 → BF16 bits, round to nearest even (NaN kept quiet).</summary>
    public static ushort FloatToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>BF16 bits → FP32 (exact).</summary>
    public static float Bf16ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Reads raw little-endian bytes as 16-bit words (for callers holding byte buffers).</summary>
    public static ushort[] Words16(ReadOnlySpan<byte> bytes)
    {
        var words = new ushort[bytes.Length / 2];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
        }

        return words;
    }
}
