using System.Globalization;
using System.Text.RegularExpressions;
using ILGPU.Runtime.Cuda;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>One compiler and one output folder for every kernel (the .ptx and .cubin of each stay there to read).</summary>
public sealed class PtxFixture : IDisposable
{
    public PtxCompiler Compiler { get; } = new();

    public string OutputDirectory { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("FLEET_PTX_OUT") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "ptx")).FullName;

    public void Dispose() => Compiler.Dispose();
}

/// <summary>
/// Proof without a GPU that every Fleet kernel builds for Hopper: ILGPU's PTX backend for sm_90, then NVIDIA's ptxas
/// for sm_90, with no compile error and no register spill.
/// </summary>
public class KernelPtxTests(PtxFixture fixture) : IClassFixture<PtxFixture>
{
    public static TheoryData<string> KernelNames => new(KernelCatalog.Kernels.Select(k => k.Name));

    [SkippableTheory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_CompiledForSm90_AssemblesWithoutErrorOrSpill(string kernel)
    {
        var ptxas = Ptxas.Require();
        string ptx;
        try
        {
            ptx = fixture.Compiler.PtxOf(kernel);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{kernel}: ILGPU's PTX backend cannot compile it for sm_90: {ex.GetType().Name}: {ex.Message}");
            return;
        }

        var file = Path.Combine(fixture.OutputDirectory, kernel + ".ptx");
        File.WriteAllText(file, ptx);
        var result = Ptxas.Assemble(ptxas, file);

        Assert.True(result.Succeeded, $"{kernel}: ptxas -arch=sm_90 failed (exit {result.ExitCode}) on {file}:\n{result.Output}");
        Assert.True(result.Functions.Count > 0, $"{kernel}: ptxas -v reported no function properties:\n{result.Output}");
        var spilling = result.Functions.Where(f => f.SpillStoreBytes > 0 || f.SpillLoadBytes > 0).ToList();
        Assert.True(spilling.Count == 0,
            $"{kernel}: register spill in {string.Join(", ", spilling.Select(f => $"{f.Name} ({f.Registers} registers, {f.SpillStoreBytes} bytes spill stores, {f.SpillLoadBytes} bytes spill loads)"))}");
    }

    [SkippableFact]
    public void Assemble_KernelUnderATightRegisterCap_ReportsItsSpill()
    {
        var ptxas = Ptxas.Require();
        var file = Path.Combine(fixture.OutputDirectory, "sample-many-live-values.ptx");
        File.WriteAllText(file, fixture.Compiler.Compile(typeof(SampleKernels).GetMethod(nameof(SampleKernels.ManyLiveValues))!, implicitlyGrouped: true));

        var capped = Ptxas.Assemble(ptxas, file, extraArguments: ["--maxrregcount=16"]);
        var free = Ptxas.Assemble(ptxas, file);

        Assert.True(capped.Succeeded, capped.Output);
        Assert.Contains(capped.Functions, f => f.SpillStoreBytes > 0 && f.SpillLoadBytes > 0);
        Assert.All(free.Functions, f => Assert.Equal((0L, 0L), (f.SpillStoreBytes, f.SpillLoadBytes)));
    }

    [SkippableFact]
    public void Assemble_MalformedPtx_Fails()
    {
        var ptxas = Ptxas.Require();
        var file = Path.Combine(fixture.OutputDirectory, "sample-malformed.ptx");
        File.WriteAllText(file, fixture.Compiler.Compile(typeof(SampleKernels).GetMethod(nameof(SampleKernels.Increment))!, implicitlyGrouped: true)
            .Replace("ret;", "ret.bogus %r999;", StringComparison.Ordinal));

        var result = Ptxas.Assemble(ptxas, file);

        Assert.False(result.Succeeded, result.Output);
    }

    [Fact]
    public void Compile_Isa78AndIsa88_DifferOnlyInTheVersionLine()
    {
        // The reason assembling ISA 7.8 with Debian's ptxas 11.8 checks the ISA 8.8 code a CUDA 13 driver loads.
        using var isa78 = new PtxCompiler(CudaInstructionSet.ISA_78);
        using var isa88 = new PtxCompiler(CudaInstructionSet.ISA_88);
        foreach (var kernel in KernelCatalog.Kernels)
        {
            var lines78 = Renumbered(isa78.Compile(kernel)).Split('\n');
            var lines88 = Renumbered(isa88.Compile(kernel)).Split('\n');
            Assert.Equal(lines78.Length, lines88.Length);
            var differing = Enumerable.Range(0, lines78.Length).Where(i => lines78[i] != lines88[i]).ToList();
            Assert.True(differing.Count == 1, $"{kernel.Name}: {differing.Count} lines differ between ISA 7.8 and 8.8");
            Assert.Equal(".version 7.8", lines78[differing[0]].Trim());
            Assert.Equal(".version 8.8", lines88[differing[0]].Trim());
        }
    }

    /// <summary>ILGPU suffixes labels and parameters with process-wide node ids (<c>L_17900</c>, <c>_c_285</c>): number them by first use.</summary>
    private static string Renumbered(string ptx)
    {
        var ids = new Dictionary<string, int>();
        return Regex.Replace(ptx, @"_(\d+)\b", m => "_#" + (ids.TryGetValue(m.Groups[1].Value, out var n) ? n : ids[m.Groups[1].Value] = ids.Count).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Parse_PtxasVerboseOutput_ReadsRegistersAndSpillsPerFunction()
    {
        const string output = """
            ptxas info    : 0 bytes gmem
            ptxas info    : Function properties for helper
                16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads
            ptxas info    : Compiling entry function 'Kernel_Gemv' for 'sm_90'
            ptxas info    : Function properties for Kernel_Gemv
                0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 38 registers, 380 bytes cmem[0]
            """;

        var functions = Ptxas.Parse(output);

        Assert.Equal([new PtxasFunction("helper", 0, 16, 8, 4), new PtxasFunction("Kernel_Gemv", 38, 0, 0, 0)], functions);
    }
}
