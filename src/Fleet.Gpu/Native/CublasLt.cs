using System.Globalization;

namespace Fleet.Gpu.Native;

/// <summary>
/// An owned cublasLt handle (probing libcublasLt.so.13/.12/.11) for FP8 products, which cuBLAS GemmEx does not offer.
/// FP8 kernels take only the "TN" layout: the first operand transposed, the second not (column-major terms).
/// </summary>
public sealed unsafe class CublasLtHandle : IDisposable
{
    /// <summary>The file names tried, newest CUDA first.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"];

    private const int DescTransA = 3; // CUBLASLT_MATMUL_DESC_TRANSA
    private const int DescTransB = 4; // CUBLASLT_MATMUL_DESC_TRANSB

    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<IntPtr*, int, int, int> _descCreate;
    private readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> _descSetAttribute;
    private readonly delegate* unmanaged<IntPtr, int> _descDestroy;
    private readonly delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int> _layoutCreate;
    private readonly delegate* unmanaged<IntPtr, int> _layoutDestroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, nuint, IntPtr, int> _matmul;
    private IntPtr _handle;

    private CublasLtHandle(IntPtr handle, string libraryName, IntPtr[] f)
    {
        _handle = handle;
        LibraryName = libraryName;
        _destroy = (delegate* unmanaged<IntPtr, int>)f[1];
        _descCreate = (delegate* unmanaged<IntPtr*, int, int, int>)f[2];
        _descSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)f[3];
        _descDestroy = (delegate* unmanaged<IntPtr, int>)f[4];
        _layoutCreate = (delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int>)f[5];
        _layoutDestroy = (delegate* unmanaged<IntPtr, int>)f[6];
        _matmul = (delegate* unmanaged<IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, nuint, IntPtr, int>)f[7];
    }

    /// <summary>The library file that was loaded.</summary>
    public string LibraryName { get; }

    /// <summary>Loads cublasLt and creates a handle; false with a reason naming the library, file or symbol that failed.</summary>
    public static bool TryCreate(out CublasLtHandle? handle, out string? reason)
    {
        handle = null;
        if (!NativeLibraryProbe.TryLoad(LibraryNames, out var library, out var name, out reason))
        {
            return false;
        }

        string[] symbols = ["cublasLtCreate", "cublasLtDestroy", "cublasLtMatmulDescCreate", "cublasLtMatmulDescSetAttribute",
            "cublasLtMatmulDescDestroy", "cublasLtMatrixLayoutCreate", "cublasLtMatrixLayoutDestroy", "cublasLtMatmul"];
        if (!NativeLibraryProbe.TryGetExports(library, name!, symbols, out var exports, out reason))
        {
            return false;
        }

        IntPtr raw;
        var status = ((delegate* unmanaged<IntPtr*, int>)exports[0])(&raw);
        if (status != 0)
        {
            reason = $"cublasLtCreate in {name} failed with {CublasHandle.StatusName(status)} ({status.ToString(CultureInfo.InvariantCulture)})";
            return false;
        }

        handle = new CublasLtHandle(raw, name!, exports);
        return true;
    }

    /// <summary>
    /// D = alpha·op(A)·op(B) (beta = 0, C = D), column-major, device pointers, FP32 compute and scale, on
    /// <paramref name="stream"/>; cublasLt picks the algorithm (no workspace).
    /// </summary>
    public void Matmul(CublasOperation transA, CublasOperation transB, int m, int n, int k, float alpha,
        IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb, IntPtr d, CudaDataType dType, int ldd, IntPtr stream)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        IntPtr desc = IntPtr.Zero, aLayout = IntPtr.Zero, bLayout = IntPtr.Zero, dLayout = IntPtr.Zero;
        try
        {
            Check("cublasLtMatmulDescCreate", _descCreate(&desc, (int)CublasComputeType.Compute32F, (int)CudaDataType.R32F));
            var ta = (int)transA;
            var tb = (int)transB;
            Check("cublasLtMatmulDescSetAttribute(TRANSA)", _descSetAttribute(desc, DescTransA, &ta, sizeof(int)));
            Check("cublasLtMatmulDescSetAttribute(TRANSB)", _descSetAttribute(desc, DescTransB, &tb, sizeof(int)));
            Check("cublasLtMatrixLayoutCreate(A)", _layoutCreate(&aLayout, (int)aType, (ulong)(transA == CublasOperation.None ? m : k), (ulong)(transA == CublasOperation.None ? k : m), lda));
            Check("cublasLtMatrixLayoutCreate(B)", _layoutCreate(&bLayout, (int)bType, (ulong)(transB == CublasOperation.None ? k : n), (ulong)(transB == CublasOperation.None ? n : k), ldb));
            Check("cublasLtMatrixLayoutCreate(D)", _layoutCreate(&dLayout, (int)dType, (ulong)m, (ulong)n, ldd));
            var beta = 0f;
            Check("cublasLtMatmul", _matmul(_handle, desc, &alpha, a, aLayout, b, bLayout, &beta, d, dLayout, d, dLayout, null, IntPtr.Zero, 0, stream));
        }
        finally
        {
            if (dLayout != IntPtr.Zero)
            {
                _ = _layoutDestroy(dLayout);
            }

            if (bLayout != IntPtr.Zero)
            {
                _ = _layoutDestroy(bLayout);
            }

            if (aLayout != IntPtr.Zero)
            {
                _ = _layoutDestroy(aLayout);
            }

            if (desc != IntPtr.Zero)
            {
                _ = _descDestroy(desc);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            _ = _destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    private static void Check(string call, int status)
    {
        if (status != 0)
        {
            throw new CublasException(call, status);
        }
    }
}
