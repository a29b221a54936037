using System.Runtime.InteropServices;

namespace Fleet.Gpu.Native;

/// <summary>Loads the first of several shared-library file names that exists, so one binary runs against CUDA 11, 12 or 13.</summary>
public static class NativeLibraryProbe
{
    /// <summary>Tries each name in order; on failure <paramref name="reason"/> lists every name tried and why it failed.</summary>
    public static bool TryLoad(IReadOnlyList<string> names, out IntPtr handle, out string? loadedName, out string? reason)
    {
        var failures = new List<string>();
        foreach (var name in names)
        {
            try
            {
                handle = NativeLibrary.Load(name);
                loadedName = name;
                reason = null;
                return true;
            }
            catch (DllNotFoundException ex)
            {
                failures.Add($"{name}: {FirstLine(ex.Message)}");
            }
            catch (BadImageFormatException ex)
            {
                failures.Add($"{name}: {FirstLine(ex.Message)}");
            }
        }

        handle = IntPtr.Zero;
        loadedName = null;
        reason = "could not load " + string.Join("; ", failures);
        return false;
    }

    /// <summary>Resolves an exported symbol, naming it and the library in the error when it is missing.</summary>
    public static bool TryGetExport(IntPtr library, string libraryName, string symbol, out IntPtr address, out string? reason)
    {
        if (NativeLibrary.TryGetExport(library, symbol, out address))
        {
            reason = null;
            return true;
        }

        reason = $"{libraryName} has no symbol {symbol}";
        return false;
    }

    /// <summary>Resolves every symbol of <paramref name="symbols"/>, in order; false with the first missing one named.</summary>
    public static bool TryGetExports(IntPtr library, string libraryName, IReadOnlyList<string> symbols, out IntPtr[] exports, out string? reason)
    {
        exports = new IntPtr[symbols.Count];
        reason = null;
        for (var i = 0; i < symbols.Count; i++)
        {
            if (!TryGetExport(library, libraryName, symbols[i], out exports[i], out reason))
            {
                return false;
            }
        }

        return true;
    }

    private static string FirstLine(string message)
    {
        var cut = message.IndexOfAny(['\r', '\n']);
        var line = cut < 0 ? message : message[..cut];
        var sentence = line.IndexOf(". ", StringComparison.Ordinal);
        return sentence < 0 ? line : line[..sentence];
    }
}
