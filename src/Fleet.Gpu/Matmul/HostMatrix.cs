using System.Buffers.Binary;
using Fleet.Domain.Catalog;

namespace Fleet.Gpu.Matmul;

/// <summary>How a precision's matrices are stored on the device (ILGPU has no BF16 type, so 16-bit formats travel as raw bits).</summary>
public enum StorageType
{
    Float32,
    Float64,
    Raw16,
    /// <summary>FP8 E4M3 bits (with a transposed copy: cublasLt's FP8 products take only the TN layout).</summary>
    Raw8,
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
        _ => StorageType.Raw8,
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
    private HostMatrix(int n, double[] values, float[]? f32, double[]? f64, ushort[]? raw16, byte[]? raw8 = null)
    {
        Raw8 = raw8;
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
    public byte[]? Raw8 { get; }

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
            case StorageType.Raw8:
                var fp8 = new byte[values.Length];
                for (var i = 0; i < fp8.Length; i++)
                {
                    fp8[i] = DoubleToE4M3(values[i]);
                    exact[i] = E4M3ToDouble(fp8[i]);
                }

                return new HostMatrix(n, exact, null, null, null, fp8);
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

    /// <summary>FP8 E4M3 (OCP "fn": bias 7, no infinities, 0x7F/0xFF = NaN) → double (exact).</summary>
    public static double E4M3ToDouble(byte bits)
    {
        var sign = (bits & 0x80) != 0 ? -1.0 : 1.0;
        var e = (bits >> 3) & 0xF;
        var m = bits & 0x7;
        if (e == 0xF && m == 0x7)
        {
            return double.NaN;
        }

        return e == 0 ? sign * m * Math.Pow(2, -9) : sign * (1 + (m / 8.0)) * Math.Pow(2, e - 7);
    }

    /// <summary>Double → FP8 E4M3, round to nearest even, saturating at ±448 (the largest finite value).</summary>
    public static byte DoubleToE4M3(double value)
    {
        if (double.IsNaN(value))
        {
            return 0x7F;
        }

        var sign = value < 0 || (value == 0 && double.IsNegative(value)) ? 0x80 : 0;
        var a = Math.Abs(value);
        if (a >= 448)
        {
            return (byte)(sign | 0x7E);
        }

        // Candidates are all non-negative finite codes 0x00..0x7E, which increase monotonically with value.
        int lo = 0, hi = 0x7E;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (E4M3ToDouble((byte)mid) <= a)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        var below = E4M3ToDouble((byte)lo);
        if (below == a || lo == 0x7E)
        {
            return (byte)(sign | lo);
        }

        var above = E4M3ToDouble((byte)(lo + 1));
        var pick = (a - below) < (above - a) ? lo : (a - below) > (above - a) ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
        return (byte)(sign | pick);
    }

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
