using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>
/// What a kernel compile failure needs for a diagnosis: the PTX ILGPU generated for the device and the driver's JIT
/// log for it (ILGPU loads modules without asking for the log, so it is fetched by loading the PTX once more).
/// </summary>
public static unsafe class CudaJitLog
{
    private const int InfoLogBuffer = 3;        // CU_JIT_INFO_LOG_BUFFER
    private const int InfoLogBufferBytes = 4;   // CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES
    private const int ErrorLogBuffer = 5;       // CU_JIT_ERROR_LOG_BUFFER
    private const int ErrorLogBufferBytes = 6;  // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
    private const int LogBytes = 64 * 1024;

    /// <summary>The PTX ILGPU generates for <paramref name="kernel"/> on <paramref name="accelerator"/>'s device.</summary>
    public static string GeneratePtx(CudaAccelerator accelerator, MethodInfo kernel)
    {
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = accelerator.Backend.Compile(entry, KernelSpecialization.Empty);
        return ((PTXCompiledKernel)compiled).PTXAssembly;
    }

    /// <summary>
    /// Loads <paramref name="ptx"/> with cuModuleLoadDataEx (the calling thread's context must be current) and returns the
    /// driver's result code and its error and info logs.
    /// </summary>
    public static string LoadAndLog(string ptx)
    {
        if (!NativeLibrary.TryLoad(CudaDriver.LibraryNames[0], out var driver) && !NativeLibrary.TryLoad(CudaDriver.LibraryNames[1], out driver))
        {
            return "the CUDA driver library could not be loaded to fetch the JIT log";
        }

        if (!NativeLibrary.TryGetExport(driver, "cuModuleLoadDataEx", out var loadEx) || !NativeLibrary.TryGetExport(driver, "cuModuleUnload", out var unload))
        {
            return "the CUDA driver has no cuModuleLoadDataEx";
        }

        var error = new byte[LogBytes];
        var info = new byte[LogBytes];
        var source = Encoding.ASCII.GetBytes(ptx + "\0");
        int code;
        IntPtr module = IntPtr.Zero;
        fixed (byte* e = error, i = info, p = source)
        {
            var options = stackalloc int[] { ErrorLogBuffer, ErrorLogBufferBytes, InfoLogBuffer, InfoLogBufferBytes };
            var values = stackalloc IntPtr[] { (IntPtr)e, LogBytes, (IntPtr)i, LogBytes };
            code = ((delegate* unmanaged<IntPtr*, byte*, int, int*, IntPtr*, int>)loadEx)(&module, p, 4, options, values);
        }

        if (code == 0 && module != IntPtr.Zero)
        {
            _ = ((delegate* unmanaged<IntPtr, int>)unload)(module);
        }

        return $"cuModuleLoadDataEx returned {code}\nerror log:\n{Text(error)}\ninfo log:\n{Text(info)}\n";
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.ASCII.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
