using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Matmul;

/// <summary>An n×n matrix in device memory in one storage type; the typed view a kernel or cuBLAS needs is picked by storage.</summary>
public sealed class DeviceMatrix : IDisposable
{
    private DeviceMatrix(int n, StorageType storage, MemoryBuffer1D<float, Stride1D.Dense>? f32,
        MemoryBuffer1D<double, Stride1D.Dense>? f64, MemoryBuffer1D<ushort, Stride1D.Dense>? raw16,
        MemoryBuffer1D<byte, Stride1D.Dense>? raw8 = null, MemoryBuffer1D<byte, Stride1D.Dense>? raw8Transposed = null)
    {
        Raw8 = raw8;
        Raw8Transposed = raw8Transposed;
        N = n;
        Storage = storage;
        Float32 = f32;
        Float64 = f64;
        Raw16 = raw16;
    }

    public int N { get; }
    public StorageType Storage { get; }
    public MemoryBuffer1D<float, Stride1D.Dense>? Float32 { get; }
    public MemoryBuffer1D<double, Stride1D.Dense>? Float64 { get; }
    public MemoryBuffer1D<ushort, Stride1D.Dense>? Raw16 { get; }
    public MemoryBuffer1D<byte, Stride1D.Dense>? Raw8 { get; }
    /// <summary>The FP8 matrix transposed (row-major Mᵀ), for cublasLt's TN-only FP8 products.</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense>? Raw8Transposed { get; }

    /// <summary>Bytes this matrix occupies on the device.</summary>
    public long Bytes => (long)N * N * ElementBytes(Storage);

    /// <summary>The device pointer (what cuBLAS takes).</summary>
    public IntPtr NativePtr => Storage switch
    {
        StorageType.Float32 => Float32!.NativePtr,
        StorageType.Float64 => Float64!.NativePtr,
        StorageType.Raw8 => Raw8!.NativePtr,
        _ => Raw16!.NativePtr,
    };

    /// <summary>The matrix as 32-bit words, for fault injection at a bit position.</summary>
    public ArrayView<uint> Words => Storage switch
    {
        StorageType.Float32 => Float32!.View.AsContiguous().Cast<uint>(),
        StorageType.Float64 => Float64!.View.AsContiguous().Cast<uint>(),
        StorageType.Raw8 => Raw8!.View.AsContiguous().Cast<uint>(),
        _ => Raw16!.View.AsContiguous().Cast<uint>(),
    };

    /// <summary>Bytes per element of a storage type.</summary>
    public static int ElementBytes(StorageType storage) => storage switch
    {
        StorageType.Float32 => 4,
        StorageType.Float64 => 8,
        StorageType.Raw8 => 1,
        _ => 2,
    };

    /// <summary>Allocates an uninitialised n×n matrix.</summary>
    public static DeviceMatrix Allocate(Accelerator accelerator, StorageType storage, int n)
    {
        long count = (long)n * n;
        return storage switch
        {
            StorageType.Float32 => new DeviceMatrix(n, storage, accelerator.Allocate1D<float>(count), null, null),
            StorageType.Float64 => new DeviceMatrix(n, storage, null, accelerator.Allocate1D<double>(count), null),
            StorageType.Raw8 => new DeviceMatrix(n, storage, null, null, null, accelerator.Allocate1D<byte>(count), accelerator.Allocate1D<byte>(count)),
            _ => new DeviceMatrix(n, storage, null, null, accelerator.Allocate1D<ushort>(count)),
        };
    }

    /// <summary>Allocates and uploads a host matrix.</summary>
    public static DeviceMatrix Upload(Accelerator accelerator, StorageType storage, HostMatrix host)
    {
        var m = Allocate(accelerator, storage, host.N);
        switch (storage)
        {
            case StorageType.Float32:
                m.Float32!.CopyFromCPU(host.Float32 ?? throw new ArgumentException("host matrix has no FP32 form", nameof(host)));
                break;
            case StorageType.Float64:
                m.Float64!.CopyFromCPU(host.Float64 ?? throw new ArgumentException("host matrix has no FP64 form", nameof(host)));
                break;
            case StorageType.Raw8:
                var rows = host.Raw8 ?? throw new ArgumentException("host matrix has no FP8 form", nameof(host));
                var transposed = new byte[rows.Length];
                for (var i = 0; i < host.N; i++)
                {
                    for (var j = 0; j < host.N; j++)
                    {
                        transposed[(j * host.N) + i] = rows[(i * host.N) + j];
                    }
                }

                m.Raw8!.CopyFromCPU(rows);
                m.Raw8Transposed!.CopyFromCPU(transposed);
                break;
            default:
                m.Raw16!.CopyFromCPU(host.Raw16 ?? throw new ArgumentException("host matrix has no 16-bit form", nameof(host)));
                break;
        }

        return m;
    }

    /// <summary>Copies a result matrix back as doubles (synchronises the accelerator).</summary>
    public double[] Download()
    {
        switch (Storage)
        {
            case StorageType.Float32:
                var f = Float32!.GetAsArray1D();
                var d = new double[f.Length];
                for (var i = 0; i < f.Length; i++)
                {
                    d[i] = f[i];
                }

                return d;
            case StorageType.Float64:
                return Float64!.GetAsArray1D();
            default:
                throw new NotSupportedException("8- and 16-bit matrices are inputs only");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Float32?.Dispose();
        Float64?.Dispose();
        Raw16?.Dispose();
        Raw8?.Dispose();
        Raw8Transposed?.Dispose();
    }
}
