using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Kernels;

/// <summary>Pattern kinds the memory kernels write; the pattern value is a pure function of (kind, index, parameters).</summary>
public enum PatternKind
{
    /// <summary>Every word the same value (moving inversions use it and its complement).</summary>
    Constant = 0,

    /// <summary>Each word holds its own index (catches address-line faults).</summary>
    OwnAddress = 1,

    /// <summary>A seeded hash of the index (a random sequence that can be regenerated for checking).</summary>
    Random = 2,

    /// <summary>Value p where index mod 20 = offset, ~p elsewhere (cuda_memtest's most sensitive test).</summary>
    Modulo20 = 3,

    /// <summary>One set bit, moving with the index: word i holds 1 &lt;&lt; ((i + shift) mod 32).</summary>
    WalkingOnes = 4,
}

/// <summary>Memory-pattern kernels over 32-bit words: fill, verify (with per-block error logs), verify-and-rewrite.</summary>
public static class MemoryKernels
{
    /// <summary>The value word <paramref name="index"/> holds under a pattern.</summary>
    public static uint Expected(long index, int kind, uint value, uint seed, int offset)
    {
        switch (kind)
        {
            case (int)PatternKind.OwnAddress:
                return (uint)index ^ (uint)(index >> 32);
            case (int)PatternKind.Random:
                var x = ((uint)index * 0x9E3779B1u) ^ seed ^ (uint)(index >> 32);
                x ^= x >> 16;
                x *= 0x7FEB352Du;
                x ^= x >> 15;
                x *= 0x846CA68Bu;
                x ^= x >> 16;
                return x;
            case (int)PatternKind.Modulo20:
                return index % 20 == offset ? value : ~value;
            case (int)PatternKind.WalkingOnes:
                return 1u << (int)((index + offset) & 31);
            default:
                return value;
        }
    }

    /// <summary>Writes the pattern into words [start, start + extent) (launched in chunks: ILGPU indices are 32-bit).</summary>
    public static void Fill(Index1D i, ArrayView<uint> words, long start, int kind, uint value, uint seed, int offset)
    {
        var at = start + i;
        words[at] = Expected(at, kind, value, seed, offset);
    }

    /// <summary>
    /// Checks every word against the pattern; a mismatch increments its block's counter and, for the first
    /// <paramref name="logPerBlock"/> of that block, records index, expected and actual.
    /// </summary>
    public static void Verify(Index1D li, ArrayView<uint> words, long start, int kind, uint value, uint seed, int offset,
        ArrayView<long> blockErrors, ArrayView<long> logIndex, ArrayView<uint> logExpected, ArrayView<uint> logActual,
        long blockWords, int logPerBlock)
    {
        var i = start + li;
        var actual = words[i];
        var expected = Expected(i, kind, value, seed, offset);
        if (actual != expected)
        {
            var block = i / blockWords;
            var slot = Atomic.Add(ref blockErrors[block], 1L);
            if (slot < logPerBlock)
            {
                var at = (block * logPerBlock) + slot;
                logIndex[at] = i;
                logExpected[at] = expected;
                logActual[at] = actual;
            }
        }
    }
}
