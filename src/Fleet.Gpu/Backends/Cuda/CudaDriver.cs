using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;

namespace Fleet.Gpu.Backends.Cuda;

/// <summary>
/// Makes ILGPU find the NVIDIA driver. ILGPU imports it as <c>cuda</c>, for which .NET tries only <c>libcuda.so</c>, a
/// name many driver installs (containers, VMs) lack: they have only <c>libcuda.so.1</c>. Without this ILGPU swallows the
/// load failure and reports no device.
/// </summary>
public static class CudaDriver
{
    /// <summary>The driver's file names, tried in order.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libcuda.so.1", "libcuda.so"];

    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>
    /// Installs (once per process) a resolver that hands ILGPU's <c>cuda</c> import the driver's <c>libcuda.so.1</c>, then
    /// <c>libcuda.so</c>. Call before every <c>Context.Create(b =&gt; b.Cuda())</c>.
    /// </summary>
    public static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
            _installed = true;
        }
    }

    /// <summary>Whether the driver library loads (a driver is installed and on the loader path).</summary>
    public static bool IsPresent()
    {
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                NativeLibrary.Free(handle);
                return true;
            }
        }

        return false;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (name != "cuda" || assembly != typeof(Context).Assembly)
        {
            return IntPtr.Zero;
        }

        foreach (var file in LibraryNames)
        {
            if (NativeLibrary.TryLoad(file, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
