using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>What ptxas said about one entry function of an assembled module.</summary>
public sealed record PtxasFunction(string Name, int Registers, long StackBytes, long SpillStoreBytes, long SpillLoadBytes);

/// <summary>One ptxas run: exit status, its output, and the functions it reported with <c>-v</c>.</summary>
public sealed record PtxasResult(int ExitCode, string Output, IReadOnlyList<PtxasFunction> Functions)
{
    public bool Succeeded => ExitCode == 0 && !Output.Contains("ptxas fatal", StringComparison.Ordinal) && !Regex.IsMatch(Output, @"(?m)^ptxas.*\berror\b");
}

/// <summary>
/// NVIDIA's PTX assembler, found through <c>FLEET_PTXAS</c> (tests/run.sh installs Debian's into the run's folder) or
/// on PATH. Tests that need it skip when it is absent unless <c>FLEET_REQUIRE_PTXAS=1</c> or <c>CI=true</c>: then its
/// absence is a failure, never a silent skip.
/// </summary>
public static partial class Ptxas
{
    private static readonly Lazy<string?> s_path = new(Locate);

    /// <summary>The ptxas to run, or null when none is installed.</summary>
    public static string? Path => s_path.Value;

    /// <summary>Whether the run demands ptxas (a missing one fails the test).</summary>
    public static bool Required =>
        Environment.GetEnvironmentVariable("FLEET_REQUIRE_PTXAS") == "1"
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the calling test when ptxas is absent and not required; fails it when it is required.</summary>
    public static string Require()
    {
        if (Path is { } path)
        {
            return path;
        }

        if (Required)
        {
            Assert.Fail("ptxas is required (FLEET_REQUIRE_PTXAS=1 or CI=true) but neither FLEET_PTXAS nor PATH names one; tests/install-ptxas.sh installs it");
        }

        Skip.If(true, "no ptxas (set FLEET_PTXAS, or run tests/install-ptxas.sh DIR); set FLEET_REQUIRE_PTXAS=1 to make this a failure");
        return "";
    }

    private static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("FLEET_PTXAS");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : throw new FileNotFoundException($"FLEET_PTXAS names {configured}, which does not exist");
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "ptxas"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs <c>ptxas -arch=ARCH -v</c> on <paramref name="ptxFile"/>, writing the cubin beside it.</summary>
    public static PtxasResult Assemble(string ptxas, string ptxFile, string arch = "sm_90", IEnumerable<string>? extraArguments = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(ptxas)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { $"-arch={arch}", "-v" }.Concat(extraArguments ?? []).Concat([ptxFile, "-o", System.IO.Path.ChangeExtension(ptxFile, ".cubin")]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ptxas}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ptxas on {ptxFile} ran past its limit");
        }

        var output = stdout.Result + stderr.Result;
        return new PtxasResult(process.ExitCode, output, Parse(output));
    }

    /// <summary>Reads the per-function lines of <c>ptxas -v</c>: stack frame, spill stores/loads, registers.</summary>
    public static IReadOnlyList<PtxasFunction> Parse(string output)
    {
        // "Function properties for F" then "N bytes stack frame, N bytes spill stores, N bytes spill loads" for every
        // function (device functions too); an entry function's "Used N registers" line follows.
        var functions = new List<PtxasFunction>();
        string? name = null;
        foreach (var line in output.Split('\n'))
        {
            if (FunctionProperties().Match(line) is { Success: true } fp)
            {
                name = fp.Groups[1].Value;
            }
            else if (Spills().Match(line) is { Success: true } sp && name is not null)
            {
                functions.Add(new PtxasFunction(name, 0, long.Parse(sp.Groups[1].Value, CultureInfo.InvariantCulture),
                    long.Parse(sp.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(sp.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
            else if (Registers().Match(line) is { Success: true } rg && functions.Count > 0 && functions[^1].Name == name)
            {
                functions[^1] = functions[^1] with { Registers = int.Parse(rg.Groups[1].Value, CultureInfo.InvariantCulture) };
                name = null;
            }
        }

        return functions;
    }

    [GeneratedRegex(@"Function properties for (\S+)")]
    private static partial Regex FunctionProperties();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex Spills();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex Registers();
}
