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

    /// <summary>The workspace PyTorch gives cublasLt on Hopper (32 MiB); without one cublasLt picks slower FP8 kernels.</summary>
    public const long WorkspaceBytes = 32L << 20;

    private const int DescTransA = 3; // CUBLASLT_MATMUL_DESC_TRANSA
    private const int DescTransB = 4; // CUBLASLT_MATMUL_DESC_TRANSB
    private const int PrefMaxWorkspaceBytes = 1; // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES
    private const int HeuristicResultBytes = 96; // sizeof(cublasLtMatmulHeuristicResult_t); the algorithm is its first 64 bytes

    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<IntPtr*, int, int, int> _descCreate;
    private readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> _descSetAttribute;
    private readonly delegate* unmanaged<IntPtr, int> _descDestroy;
    private readonly delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int> _layoutCreate;
    private readonly delegate* unmanaged<IntPtr, int> _layoutDestroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, nuint, IntPtr, int> _matmul;
    private readonly delegate* unmanaged<IntPtr*, int> _prefCreate;
    private readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> _prefSetAttribute;
    private readonly delegate* unmanaged<IntPtr, int> _prefDestroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, void*, int*, int> _heuristic;
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
        _prefCreate = (delegate* unmanaged<IntPtr*, int>)f[8];
        _prefSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)f[9];
        _prefDestroy = (delegate* unmanaged<IntPtr, int>)f[10];
        _heuristic = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, void*, int*, int>)f[11];
    }

    /// <summary>The library file that was loaded, with its folder.</summary>
    public string LibraryName { get; }

    /// <summary>Loads cublasLt and creates a handle; false with a reason naming the library, file or symbol that failed.</summary>
    public static bool TryCreate(out CublasLtHandle? handle, out string? reason)
    {
        handle = null;
        if (!CudaLibraryLocator.TryLoad(LibraryNames, out var library, out var location))
        {
            reason = location.Reason;
            return false;
        }

        var name = location.Path ?? LibraryNames[0];

        string[] symbols = ["cublasLtCreate", "cublasLtDestroy", "cublasLtMatmulDescCreate", "cublasLtMatmulDescSetAttribute",
            "cublasLtMatmulDescDestroy", "cublasLtMatrixLayoutCreate", "cublasLtMatrixLayoutDestroy", "cublasLtMatmul",
            "cublasLtMatmulPreferenceCreate", "cublasLtMatmulPreferenceSetAttribute", "cublasLtMatmulPreferenceDestroy", "cublasLtMatmulAlgoGetHeuristic"];
        if (!NativeLibraryProbe.TryGetExports(library, name, symbols, out var exports, out reason))
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

        handle = new CublasLtHandle(raw, name, exports);
        return true;
    }

    /// <summary>
    /// D = alpha·op(A)·op(B) (beta = 0, C = D), column-major, device pointers, FP32 compute and scale, on
    /// <paramref name="stream"/>. With a <paramref name="workspace"/> (device memory of <paramref name="workspaceBytes"/>)
    /// the algorithm is cublasLt's first heuristic choice for that workspace, as PyTorch asks for it; else cublasLt's default.
    /// </summary>
    public void Matmul(CublasOperation transA, CublasOperation transB, int m, int n, int k, float alpha,
        IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb, IntPtr d, CudaDataType dType, int ldd, IntPtr stream,
        IntPtr workspace = default, long workspaceBytes = 0)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        IntPtr desc = IntPtr.Zero, aLayout = IntPtr.Zero, bLayout = IntPtr.Zero, dLayout = IntPtr.Zero, pref = IntPtr.Zero;
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
            var result = stackalloc byte[HeuristicResultBytes];
            void* algo = null;
            if (workspace != IntPtr.Zero && workspaceBytes > 0)
            {
                var max = (ulong)workspaceBytes;
                var found = 0;
                Check("cublasLtMatmulPreferenceCreate", _prefCreate(&pref));
                Check("cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)", _prefSetAttribute(pref, PrefMaxWorkspaceBytes, &max, sizeof(ulong)));
                Check("cublasLtMatmulAlgoGetHeuristic", _heuristic(_handle, desc, aLayout, bLayout, dLayout, dLayout, pref, 1, result, &found));
                if (found < 1)
                {
                    throw new CublasException("cublasLtMatmulAlgoGetHeuristic found no algorithm for this FP8 product");
                }

                algo = result;
            }

            Check("cublasLtMatmul", _matmul(_handle, desc, &alpha, a, aLayout, b, bLayout, &beta, d, dLayout, d, dLayout, algo,
                algo is null ? IntPtr.Zero : workspace, algo is null ? 0 : (nuint)workspaceBytes, stream));
        }
        finally
        {
            if (pref != IntPtr.Zero)
            {
                _ = _prefDestroy(pref);
            }

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
