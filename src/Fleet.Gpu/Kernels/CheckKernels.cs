using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Kernels;

/// <summary>Device-side checks and fault injection shared by every backend (the result stays on the device; only counters come back).</summary>
public static class CheckKernels
{
    /// <summary>
    /// Counts elements of <paramref name="c"/> that differ from <paramref name="reference"/> by more than
    /// rtol·(|ref| + scale), and NaN/Inf elements; counters[0] = mismatches, counters[1] = non-finite (NaN/Inf).
    /// </summary>
    public static void CompareFp32(Index1D i, ArrayView<float> c, ArrayView<float> reference, ArrayView<long> counters, float rtol, float scale)
    {
        var v = c[i];
        var r = reference[i];
        if (float.IsNaN(v) || float.IsInfinity(v))
        {
            Atomic.Add(ref counters[1], 1L);
            return;
        }

        var diff = v - r;
        if (diff < 0)
        {
            diff = -diff;
        }

        var ar = r < 0 ? -r : r;
        if (diff > rtol * (ar + scale))
        {
            Atomic.Add(ref counters[0], 1L);
        }
    }

    /// <summary>The FP64 form of <see cref="CompareFp32"/>.</summary>
    public static void CompareFp64(Index1D i, ArrayView<double> c, ArrayView<double> reference, ArrayView<long> counters, double rtol, double scale)
    {
        var v = c[i];
        var r = reference[i];
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            Atomic.Add(ref counters[1], 1L);
            return;
        }

        var diff = v - r;
        if (diff < 0)
        {
            diff = -diff;
        }

        var ar = r < 0 ? -r : r;
        if (diff > rtol * (ar + scale))
        {
            Atomic.Add(ref counters[0], 1L);
        }
    }

    /// <summary>Flips bit <paramref name="bit"/> of 32-bit word <paramref name="index"/> (a deliberate fault).</summary>
    public static void FlipBit32(Index1D i, ArrayView<uint> words, long index, int bit)
    {
        if (i == 0)
        {
            words[index] ^= 1u << bit;
        }
    }

    /// <summary>Forces bit <paramref name="bit"/> of word <paramref name="index"/> to <paramref name="value"/> (a stuck bit).</summary>
    public static void ForceBit32(Index1D i, ArrayView<uint> words, long index, int bit, int value)
    {
        if (i == 0)
        {
            words[index] = value != 0 ? words[index] | (1u << bit) : words[index] & ~(1u << bit);
        }
    }

    /// <summary>Overwrites 32-bit word <paramref name="index"/> (e.g. with a NaN's bits).</summary>
    public static void SetWord32(Index1D i, ArrayView<uint> words, long index, uint value)
    {
        if (i == 0)
        {
            words[index] = value;
        }
    }

    /// <summary>Flips bit <paramref name="bit"/> of 64-bit word <paramref name="index"/>.</summary>
    public static void FlipBit64(Index1D i, ArrayView<ulong> words, long index, int bit)
    {
        if (i == 0)
        {
            words[index] ^= 1ul << bit;
        }
    }
}
