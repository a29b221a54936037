using System.Globalization;
using System.Runtime.InteropServices;

namespace Fleet.Gpu.Native;

/// <summary>cudaDataType_t values (library_types.h) for the matrices handed to <see cref="CublasHandle.GemmEx"/>.</summary>
public enum CudaDataType
{
    R32F = 0,
    R64F = 1,
    R16F = 2,
    R16BF = 14,
    R8F_E4M3 = 28,
    R8F_E5M2 = 29,
}

/// <summary>cublasComputeType_t values (cublas_api.h): the precision the products accumulate in.</summary>
public enum CublasComputeType
{
    Compute16F = 64,
    Compute32F = 68,
    Compute64F = 70,
    Compute32FFast16BF = 75,
    Compute32FFastTF32 = 77,
}

/// <summary>cublasOperation_t: whether cuBLAS reads a matrix as stored or transposed.</summary>
public enum CublasOperation
{
    None = 0,
    Transpose = 1,
}

/// <summary>Thrown when a cuBLAS call returns anything but CUBLAS_STATUS_SUCCESS; names the call and the status.</summary>
public sealed class CublasException : Exception
{
    public CublasException(string call, int status)
        : base($"{call} failed with {CublasHandle.StatusName(status)} ({status.ToString(CultureInfo.InvariantCulture)})")
    {
        Call = call;
        Status = status;
    }

    public CublasException()
        : base("cuBLAS call failed")
    {
        Call = string.Empty;
    }

    public CublasException(string message)
        : base(message)
    {
        Call = string.Empty;
    }

    public CublasException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = string.Empty;
    }

    /// <summary>The cuBLAS function that failed.</summary>
    public string Call { get; }

    /// <summary>The raw cublasStatus_t.</summary>
    public int Status { get; }
}

/// <summary>
/// An owned cuBLAS handle over the system's libcublas (probing .so.13, .so.12, .so.11), so Fleet needs no CUDA SDK package.
/// </summary>
/// <remarks>
/// cuBLAS is column-major: a matrix with <c>ld</c> = rows stores element (row i, column j) at <c>i + j * ld</c>. A
/// row-major C = A·B is computed by asking cuBLAS for Cᵀ = Bᵀ·Aᵀ, i.e. passing B as the first operand and A as the second
/// with m and n swapped. All pointers are device pointers; alpha and beta are host scalars (the default pointer mode).
/// </remarks>
public sealed unsafe class CublasHandle : IDisposable
{
    /// <summary>The file names tried, newest CUDA first.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"];

    /// <summary>The library libcublas needs loaded first from its own folder: the cublasLt of the same version.</summary>
    public static string? CompanionOf(string name) => name.Replace("libcublas.", "libcublasLt.", StringComparison.Ordinal);

    /// <summary>cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT: let cuBLAS pick (tensor cores where the types allow).</summary>
    public const int GemmDefaultAlgorithm = -1;

    /// <summary>cublasMath_t CUBLAS_DEFAULT_MATH.</summary>
    public const int DefaultMath = 0;

    /// <summary>cublasMath_t CUBLAS_TF32_TENSOR_OP_MATH.</summary>
    public const int Tf32TensorOpMath = 3;

    private readonly delegate* unmanaged<IntPtr, int> _destroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> _setStream;
    private readonly delegate* unmanaged<IntPtr, int, int> _setMathMode;
    private readonly delegate* unmanaged<IntPtr, int*, int> _getVersion;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, void*, IntPtr, int, int, IntPtr, int, int, void*, IntPtr, int, int, int, int, int> _gemmEx;
    private delegate* unmanaged<IntPtr, int, int, int, int, int, void*, IntPtr, int, int, long, IntPtr, int, int, long, void*, IntPtr, int, int, long, int, int, int, int> _gemmStridedBatchedEx;
    private IntPtr _handle;

    private CublasHandle(IntPtr handle, string libraryName, IntPtr[] exports)
    {
        _handle = handle;
        LibraryName = libraryName;
        _destroy = (delegate* unmanaged<IntPtr, int>)exports[1];
        _setStream = (delegate* unmanaged<IntPtr, IntPtr, int>)exports[2];
        _setMathMode = (delegate* unmanaged<IntPtr, int, int>)exports[3];
        _getVersion = (delegate* unmanaged<IntPtr, int*, int>)exports[4];
        _gemmEx = (delegate* unmanaged<IntPtr, int, int, int, int, int, void*, IntPtr, int, int, IntPtr, int, int, void*, IntPtr, int, int, int, int, int>)exports[5];
    }

    /// <summary>The library file that was loaded, e.g. /usr/local/cuda/lib64/libcublas.so.12.</summary>
    public string LibraryName { get; }

    /// <summary>cublasGetVersion_v2, e.g. 120400 for 12.4.0.</summary>
    public int Version
    {
        get
        {
            int version;
            Check("cublasGetVersion_v2", _getVersion(Handle, &version));
            return version;
        }
    }

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(CublasHandle));

    /// <summary>Loads cuBLAS and creates a handle; false with a reason naming the library, file or symbol that failed.</summary>
    /// <remarks>Needs a current CUDA context on the calling thread (ILGPU's CudaAccelerator makes its context current).</remarks>
    public static bool TryCreate(out CublasHandle? handle, out string? reason)
    {
        handle = null;
        if (!CudaLibraryLocator.TryLoad(LibraryNames, out var library, out var location, companion: CompanionOf))
        {
            reason = location.Reason;
            return false;
        }

        var name = location.Path ?? LibraryNames[0];

        string[] symbols = ["cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasSetMathMode", "cublasGetVersion_v2", "cublasGemmEx"];
        if (!NativeLibraryProbe.TryGetExports(library, name, symbols, out var exports, out reason))
        {
            return false;
        }

        IntPtr raw;
        var status = ((delegate* unmanaged<IntPtr*, int>)exports[0])(&raw);
        if (status != 0)
        {
            reason = $"cublasCreate_v2 in {name} failed with {StatusName(status)} ({status.ToString(CultureInfo.InvariantCulture)})";
            return false;
        }

        handle = new CublasHandle(raw, name, exports);
        if (NativeLibrary.TryGetExport(library, "cublasGemmStridedBatchedEx", out var stridedBatched))
        {
            handle._gemmStridedBatchedEx = (delegate* unmanaged<IntPtr, int, int, int, int, int, void*, IntPtr, int, int, long, IntPtr, int, int, long, void*, IntPtr, int, int, long, int, int, int, int>)stridedBatched;
        }

        return true;
    }

    /// <summary>Makes later calls run on <paramref name="cudaStream"/> (a CUstream; zero = the legacy default stream).</summary>
    public void SetStream(IntPtr cudaStream) => Check("cublasSetStream_v2", _setStream(Handle, cudaStream));

    /// <summary>cublasSetMathMode, e.g. <see cref="Tf32TensorOpMath"/> to allow TF32 tensor cores for FP32 inputs.</summary>
    public void SetMathMode(int mode) => Check("cublasSetMathMode", _setMathMode(Handle, mode));

    /// <summary>C = alpha·op(A)·op(B) + beta·C, column-major, device pointers; alpha/beta are host floats (32F/16BF/TF32 compute).</summary>
    public void GemmEx(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb,
        float beta, IntPtr c, CudaDataType cType, int ldc, CublasComputeType compute)
    {
        if (compute == CublasComputeType.Compute64F)
        {
            throw new ArgumentException("Compute64F takes double scalars: call GemmEx64.", nameof(compute));
        }

        if (compute == CublasComputeType.Compute16F)
        {
            var alphaH = (Half)alpha;
            var betaH = (Half)beta;
            Gemm(transA, transB, m, n, k, &alphaH, a, aType, lda, b, bType, ldb, &betaH, c, cType, ldc, compute);
            return;
        }

        Gemm(transA, transB, m, n, k, &alpha, a, aType, lda, b, bType, ldb, &beta, c, cType, ldc, compute);
    }

    /// <summary>The FP64 form of <see cref="GemmEx"/>: double host scalars, Compute64F.</summary>
    public void GemmEx64(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        double alpha, IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb,
        double beta, IntPtr c, CudaDataType cType, int ldc)
    {
        Gemm(transA, transB, m, n, k, &alpha, a, aType, lda, b, bType, ldb, &beta, c, cType, ldc, CublasComputeType.Compute64F);
    }

    /// <summary>Whether the loaded library exports cublasGemmStridedBatchedEx (every cuBLAS since 9.1 does).</summary>
    public bool HasStridedBatched => _gemmStridedBatchedEx != null;

    /// <summary>
    /// cublasGemmStridedBatchedEx: <paramref name="batchCount"/> products C_i = alpha·op(A_i)·op(B_i) + beta·C_i, where
    /// X_i starts <c>strideX</c> elements after X_(i−1); column-major, device pointers, host float scalars (32F compute).
    /// </summary>
    public void GemmStridedBatchedEx(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, IntPtr a, CudaDataType aType, int lda, long strideA, IntPtr b, CudaDataType bType, int ldb, long strideB,
        float beta, IntPtr c, CudaDataType cType, int ldc, long strideC, int batchCount, CublasComputeType compute)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchCount);
        if (compute is CublasComputeType.Compute16F or CublasComputeType.Compute64F)
        {
            throw new ArgumentException("GemmStridedBatchedEx takes float scalars: use a 32F compute type.", nameof(compute));
        }

        if (_gemmStridedBatchedEx == null)
        {
            throw new CublasException($"{LibraryName} has no symbol cublasGemmStridedBatchedEx");
        }

        var status = _gemmStridedBatchedEx(Handle, (int)transA, (int)transB, m, n, k, &alpha, a, (int)aType, lda, strideA,
            b, (int)bType, ldb, strideB, &beta, c, (int)cType, ldc, strideC, batchCount, (int)compute, GemmDefaultAlgorithm);
        Check("cublasGemmStridedBatchedEx", status);
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

    /// <summary>The cublasStatus_t name for a status code.</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "CUBLAS_STATUS_SUCCESS",
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "CUBLAS_STATUS_UNKNOWN",
    };

    private void Gemm(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        void* alpha, IntPtr a, CudaDataType aType, int lda, IntPtr b, CudaDataType bType, int ldb,
        void* beta, IntPtr c, CudaDataType cType, int ldc, CublasComputeType compute)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var status = _gemmEx(Handle, (int)transA, (int)transB, m, n, k, alpha, a, (int)aType, lda, b, (int)bType, ldb,
            beta, c, (int)cType, ldc, (int)compute, GemmDefaultAlgorithm);
        Check("cublasGemmEx", status);
    }

    private static void Check(string call, int status)
    {
        if (status != 0)
        {
            throw new CublasException(call, status);
        }
    }
}
