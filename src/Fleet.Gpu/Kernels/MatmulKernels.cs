using ILGPU;
using ILGPU.Runtime;
using IlHalf = ILGPU.Half;

namespace Fleet.Gpu.Kernels;

/// <summary>
/// ILGPU matrix-product kernels (row-major, square n×n): what runs where cuBLAS is absent (the CPU accelerator) and the
/// tiled FP32 kernel benchmarked beside cuBLAS.
/// </summary>
public static class MatmulKernels
{
    /// <summary>One thread per C element, FP32 inputs and accumulation.</summary>
    public static void NaiveFp32(Index2D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int n)
    {
        int row = index.X, col = index.Y;
        var sum = 0f;
        for (var k = 0; k < n; k++)
        {
            sum += a[(row * n) + k] * b[(k * n) + col];
        }

        c[(row * n) + col] = sum;
    }

    /// <summary>One thread per C element, FP64.</summary>
    public static void NaiveFp64(Index2D index, ArrayView<double> a, ArrayView<double> b, ArrayView<double> c, int n)
    {
        int row = index.X, col = index.Y;
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            sum += a[(row * n) + k] * b[(k * n) + col];
        }

        c[(row * n) + col] = sum;
    }

    /// <summary>BF16 inputs kept as raw 16-bit values (ILGPU has no BF16 type), widened in the kernel, FP32 accumulation.</summary>
    public static void NaiveBf16(Index2D index, ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> c, int n)
    {
        int row = index.X, col = index.Y;
        var sum = 0f;
        for (var k = 0; k < n; k++)
        {
            var x = Interop.IntAsFloat((uint)a[(row * n) + k] << 16);
            var y = Interop.IntAsFloat((uint)b[(k * n) + col] << 16);
            sum += x * y;
        }

        c[(row * n) + col] = sum;
    }

    /// <summary>FP16 inputs as raw IEEE half bits, widened through ILGPU's Half, FP32 accumulation.</summary>
    public static void NaiveFp16(Index2D index, ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> c, int n)
    {
        int row = index.X, col = index.Y;
        var sum = 0f;
        for (var k = 0; k < n; k++)
        {
            float x = Interop.IntAsFloat(a[(row * n) + k]);
            float y = Interop.IntAsFloat(b[(k * n) + col]);
            sum += x * y;
        }

        c[(row * n) + col] = sum;
    }

    /// <summary>FP8 E4M3 inputs as raw bytes, decoded in the kernel (ILGPU has no FP8 type), FP32 accumulation.</summary>
    public static void NaiveFp8(Index2D index, ArrayView<byte> a, ArrayView<byte> b, ArrayView<float> c, int n)
    {
        int row = index.X, col = index.Y;
        var sum = 0f;
        for (var k = 0; k < n; k++)
        {
            sum += E4M3(a[(row * n) + k]) * E4M3(b[(k * n) + col]);
        }

        c[(row * n) + col] = sum;
    }

    /// <summary>FP8 E4M3 bits → float: normals rebuilt as FP32 bits (exponent bias 7 → 127), subnormals m·2⁻⁹, 0x7F NaN.</summary>
    public static float E4M3(byte bits)
    {
        var e = (bits >> 3) & 0xF;
        var m = bits & 0x7;
        var sign = (uint)(bits & 0x80) << 24;
        if (e == 0xF && m == 0x7)
        {
            return float.NaN;
        }

        if (e == 0)
        {
            var sub = m * 0.001953125f; // 2⁻⁹
            return sign != 0 ? -sub : sub;
        }

        return Interop.IntAsFloat(sign | ((uint)(e + 120) << 23) | ((uint)m << 20));
    }

    /// <summary>
    /// Shared-memory tiled FP32 product: each group of tile×tile threads stages one tile of A and one of B in dynamic
    /// shared memory (2·tile² floats), so the tile size comes from the device at launch, not from a constant.
    /// </summary>
    public static void TiledFp32(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int n, int tile)
    {
        var shared = SharedMemory.GetDynamic<float>();
        var tileA = shared.SubView(0, tile * tile);
        var tileB = shared.SubView(tile * tile, tile * tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        var row = (Grid.IdxY * tile) + ty;
        var col = (Grid.IdxX * tile) + tx;
        var sum = 0f;
        for (var t = 0; t < n; t += tile)
        {
            var ak = t + tx;
            var bk = t + ty;
            tileA[(ty * tile) + tx] = row < n && ak < n ? a[(row * n) + ak] : 0f;
            tileB[(ty * tile) + tx] = bk < n && col < n ? b[(bk * n) + col] : 0f;
            Group.Barrier();
            for (var k = 0; k < tile; k++)
            {
                sum += tileA[(ty * tile) + k] * tileB[(k * tile) + tx];
            }

            Group.Barrier();
        }

        if (row < n && col < n)
        {
            c[(row * n) + col] = sum;
        }
    }
}
