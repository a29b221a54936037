using System.Globalization;
using System.Runtime.InteropServices;

namespace Fleet.Gpu.Native;

/// <summary>Where a CUDA library was loaded from (<see cref="Path"/>), or why none could be (<see cref="Reason"/>).</summary>
public sealed record CudaLibraryLocation(string Library, string? Path, string? Reason);

/// <summary>
/// Finds cuBLAS and cublasLt where GPU hosts keep them, not only on the loader path: a <c>FLEET_CUDA_LIB_DIR</c> override
/// first, then the loader path, <c>$CUDA_HOME/lib64</c> (and <c>$CUDA_PATH</c>), <c>/usr/local/cuda*/lib64</c>, then the
/// <c>nvidia/*/lib</c> folders of Python wheels (PyTorch's nvidia-cublas) in the virtual environment, conda, the user's
/// and the system's site-packages.
/// </summary>
public static class CudaLibraryLocator
{
    /// <summary>The override: a folder that holds the CUDA libraries to use.</summary>
    public const string OverrideVariable = "FLEET_CUDA_LIB_DIR";

    /// <summary>The folders searched after the override and the loader path, in order, that exist on this machine.</summary>
    public static IReadOnlyList<string> SearchDirectories(Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        var dirs = new List<string>();
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
        {
            if (env(variable) is { Length: > 0 } home)
            {
                dirs.Add(Path.Combine(home, "lib64"));
                dirs.Add(Path.Combine(home, "targets", "x86_64-linux", "lib"));
            }
        }

        // /usr/local/cuda first (the toolkit the admin chose), then versioned installs, newest first.
        dirs.Add("/usr/local/cuda/lib64");
        dirs.AddRange(Glob("/usr/local", "cuda-*").OrderByDescending(d => d, VersionOrder.Instance).Select(d => Path.Combine(d, "lib64")));
        foreach (var site in SitePackages(env))
        {
            dirs.AddRange(Glob(Path.Combine(site, "nvidia"), "*").Select(d => Path.Combine(d, "lib")).Order(StringComparer.Ordinal));
        }

        return dirs.Where(Directory.Exists).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Loads the first of <paramref name="names"/> found: in the override folder, on the loader path, then in
    /// <see cref="SearchDirectories"/>. <paramref name="companion"/> names a library to load first from the same folder
    /// (libcublas needs its libcublasLt). The location says which file was loaded, or every place tried.
    /// </summary>
    public static bool TryLoad(IReadOnlyList<string> names, out IntPtr handle, out CudaLibraryLocation location,
        Func<string, string?>? companion = null, Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        var library = names[0];
        if (env(OverrideVariable) is { Length: > 0 } overrideDir && TryLoadFrom(overrideDir, names, companion, out handle, out var path))
        {
            location = new CudaLibraryLocation(library, path, null);
            return true;
        }

        if (NativeLibraryProbe.TryLoad(names, out handle, out var loaded, out var loaderReason))
        {
            location = new CudaLibraryLocation(library, PathOf(handle, loaded!) ?? loaded, null);
            return true;
        }

        var dirs = SearchDirectories(env);
        foreach (var dir in dirs)
        {
            if (TryLoadFrom(dir, names, companion, out handle, out path))
            {
                location = new CudaLibraryLocation(library, path, null);
                return true;
            }
        }

        var searched = string.Join(", ", new[] { env(OverrideVariable) is { Length: > 0 } o ? $"{OverrideVariable}={o}" : null, "the loader path" }
            .Concat(dirs).Where(d => d is not null));
        location = new CudaLibraryLocation(library, null, $"{loaderReason}; also searched {searched}");
        handle = IntPtr.Zero;
        return false;
    }

    private static bool TryLoadFrom(string dir, IReadOnlyList<string> names, Func<string, string?>? companion, out IntPtr handle, out string? path)
    {
        foreach (var name in names)
        {
            var candidate = Path.Combine(dir, name);
            if (!File.Exists(candidate))
            {
                continue;
            }

            if (companion?.Invoke(name) is { } other && File.Exists(Path.Combine(dir, other)))
            {
                _ = NativeLibrary.TryLoad(Path.Combine(dir, other), out _);
            }

            if (NativeLibrary.TryLoad(candidate, out handle))
            {
                path = candidate;
                return true;
            }
        }

        handle = IntPtr.Zero;
        path = null;
        return false;
    }

    /// <summary>The file a loaded library came from, read from /proc/self/maps (null where that is not readable).</summary>
    private static string? PathOf(IntPtr handle, string fileName)
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 6 && Path.GetFileName(p[5]) == fileName)
                .Select(p => p[5])
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SitePackages(Func<string, string?> env)
    {
        var prefixes = new List<string>();
        foreach (var variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            if (env(variable) is { Length: > 0 } prefix)
            {
                prefixes.Add(prefix);
            }
        }

        if (env("HOME") is { Length: > 0 } home)
        {
            prefixes.Add(Path.Combine(home, ".local"));
        }

        prefixes.AddRange(["/usr/local", "/usr", "/opt/conda"]);
        foreach (var prefix in prefixes)
        {
            foreach (var python in Glob(Path.Combine(prefix, "lib"), "python3*").OrderByDescending(d => d, VersionOrder.Instance))
            {
                yield return Path.Combine(python, "site-packages");
                yield return Path.Combine(python, "dist-packages");
            }
        }

        yield return "/usr/lib/python3/dist-packages";
    }

    private static IEnumerable<string> Glob(string dir, string pattern)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetDirectories(dir, pattern) : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Orders "cuda-12.4" before "cuda-12.10" as versions, not as text.</summary>
    private sealed class VersionOrder : IComparer<string>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = Numbers(x);
            var b = Numbers(y);
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                if (a[i] != b[i])
                {
                    return a[i].CompareTo(b[i]);
                }
            }

            return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(x, y);
        }

        private static int[] Numbers(string? s) =>
            System.Text.RegularExpressions.Regex.Matches(Path.GetFileName(s) ?? string.Empty, "[0-9]+")
                .Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
    }
}
