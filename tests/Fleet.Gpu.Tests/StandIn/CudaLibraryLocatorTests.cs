using Fleet.Gpu.Native;
using Fleet.StandIn;

namespace Fleet.Gpu.Tests.StandIn;

[Collection(NativeLibraries.Name)]
public sealed class CudaLibraryLocatorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"fleet-locator-{Guid.NewGuid():N}");

    [Fact]
    public void SearchDirectories_CudaHomeAndVirtualEnvWheel_BothSearchedCudaHomeFirst()
    {
        var cudaHome = Directory.CreateDirectory(Path.Combine(_root, "cuda", "lib64")).FullName;
        var wheel = Directory.CreateDirectory(Path.Combine(_root, "venv", "lib", "python3.12", "site-packages", "nvidia", "cublas", "lib")).FullName;
        var env = Env(("CUDA_HOME", Path.Combine(_root, "cuda")), ("VIRTUAL_ENV", Path.Combine(_root, "venv")));
        var dirs = CudaLibraryLocator.SearchDirectories(env);
        Assert.Contains(cudaHome, dirs);
        Assert.Contains(wheel, dirs);
        Assert.True(dirs.ToList().IndexOf(cudaHome) < dirs.ToList().IndexOf(wheel));
    }

    [Fact]
    public void SearchDirectories_UserSitePackagesWheel_Searched()
    {
        var wheel = Directory.CreateDirectory(Path.Combine(_root, "home", ".local", "lib", "python3.11", "site-packages", "nvidia", "cu13", "lib")).FullName;
        Assert.Contains(wheel, CudaLibraryLocator.SearchDirectories(Env(("HOME", Path.Combine(_root, "home")))));
    }

    [Fact]
    public void TryLoad_OnlyInAVirtualEnvWheel_LoadsThatFileAndNamesIt()
    {
        var wheel = Directory.CreateDirectory(Path.Combine(_root, "venv", "lib", "python3.12", "site-packages", "nvidia", "cublas", "lib")).FullName;
        foreach (var f in Directory.GetFiles(StandInLibraries.Instance.CublasDir))
        {
            File.Copy(f, Path.Combine(wheel, Path.GetFileName(f)));
        }

        // Names no loader path has, so only the wheel folder can supply them.
        var ok = CudaLibraryLocator.TryLoad(["libcublas.so.13"], out var handle, out var location,
            CublasHandle.CompanionOf, Env(("VIRTUAL_ENV", Path.Combine(_root, "venv"))));
        Assert.True(ok, location.Reason);
        Assert.NotEqual(IntPtr.Zero, handle);
        Assert.True(location.Path == Path.Combine(wheel, "libcublas.so.13") || location.Path!.EndsWith("libcublas.so.13", StringComparison.Ordinal), location.Path);
    }

    [Fact]
    public void TryLoad_OverrideFolder_WinsAndIsNamed()
    {
        var dir = StandInLibraries.Instance.CublasDir;
        var ok = CudaLibraryLocator.TryLoad(["libcublasLt.so.13"], out _, out var location, environment: Env((CudaLibraryLocator.OverrideVariable, dir)));
        Assert.True(ok, location.Reason);
        Assert.Equal(Path.Combine(dir, "libcublasLt.so.13"), location.Path);
    }

    [Fact]
    public void TryLoad_NowhereToBeFound_ReasonListsTheFoldersSearched()
    {
        var cudaHome = Directory.CreateDirectory(Path.Combine(_root, "cuda", "lib64")).FullName;
        var ok = CudaLibraryLocator.TryLoad(["libfleet-absent.so.99"], out _, out var location, environment: Env(("CUDA_HOME", Path.Combine(_root, "cuda"))));
        Assert.False(ok);
        Assert.Null(location.Path);
        Assert.Contains("libfleet-absent.so.99", location.Reason, StringComparison.Ordinal);
        Assert.Contains(cudaHome, location.Reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;
}
