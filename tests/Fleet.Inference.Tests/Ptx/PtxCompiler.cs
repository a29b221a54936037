using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>
/// Compiles ILGPU kernels to PTX for an sm_90 device with no GPU, through the same <see cref="PTXBackend"/> a
/// <see cref="CudaAccelerator"/> builds (capabilities of a 9.0 device). ISA 7.8 by default: Debian's ptxas 11.8 knows
/// no newer ISA, and ILGPU's output for 7.8 and for the 8.8 a CUDA 13 driver gets differs only in the
/// <c>.version</c> line, so assembling it checks the code a GPU would load.
/// </summary>
public sealed class PtxCompiler : IDisposable
{
    private readonly Context _plain = Context.Create(b => b.CPU());
    private readonly Context _algorithms = Context.Create(b => b.CPU().EnableAlgorithms());
    private readonly Dictionary<bool, PTXBackend> _backends = [];
    private readonly CudaInstructionSet _isa;

    public PtxCompiler()
        : this(CudaInstructionSet.ISA_78)
    {
    }

    public PtxCompiler(CudaInstructionSet isa) => _isa = isa;

    /// <summary>The architecture compiled for.</summary>
    public static CudaArchitecture Architecture => CudaArchitecture.SM_90;

    /// <summary>The PTX of a catalogued Fleet kernel (<c>GpuKernels.Gemv</c>, <c>MemoryKernels.Fill</c>, …).</summary>
    public string PtxOf(string kernelName) => Compile(KernelCatalog.Find(kernelName));

    /// <summary>The PTX of a catalogued kernel, compiled as its accelerator would compile it.</summary>
    public string Compile(KernelEntry kernel) => Compile(kernel.Method, kernel.ImplicitlyGrouped, kernel.Algorithms);

    /// <summary>The PTX of any static kernel method (implicitly grouped: an index first; explicitly: launched with a group size).</summary>
    public string Compile(MethodInfo kernel, bool implicitlyGrouped, bool algorithms = true)
    {
        var entry = implicitlyGrouped
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        lock (_backends)
        {
            if (!_backends.TryGetValue(algorithms, out var backend))
            {
                backend = new PTXBackend(algorithms ? _algorithms : _plain, new CudaCapabilityContext(Architecture), Architecture, _isa, null);
                _backends[algorithms] = backend;
            }

            return ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
        }
    }

    public void Dispose()
    {
        foreach (var backend in _backends.Values)
        {
            backend.Dispose();
        }

        _algorithms.Dispose();
        _plain.Dispose();
    }
}
