using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Backends.Cuda;
using Fleet.Gpu.Kernels;
using Fleet.Gpu.Matmul;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Fleet.Gpu.Devices;

/// <summary>One step of the smoke check and how it went.</summary>
public sealed record SmokeStep(string Step, bool Ok, string? Error = null);

/// <summary>The smoke check of one device: the steps in order, any files written for a diagnosis, the backend's notes.</summary>
public sealed record SmokeCheckResult(string DeviceId, bool Ok, IReadOnlyList<SmokeStep> Steps, IReadOnlyList<string> Notes)
{
    /// <summary>Files written for a failed step (the kernel's PTX and the driver's JIT log).</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];
}

/// <summary>
/// Checks, one step at a time, what must work before anything else on new silicon (ILGPU has a report of crashing on
/// H100/H200, #1540). First what needs only ILGPU and the driver: open the accelerator, allocate, compile a kernel, launch
/// it, synchronise, read the result back. Then a small product in every precision through cuBLAS, then FP8 through
/// cublasLt, each checked against the host. A failed ILGPU step ends the ILGPU steps (the library steps still run once
/// the accelerator is open); each failure is reported with the step and the exception, not a stack trace.
/// </summary>
public static class DeviceSmokeCheck
{
    /// <summary>The edge of the library steps' products.</summary>
    public const int ProductSize = 64;

    /// <summary>
    /// Runs the steps on <paramref name="device"/> through <paramref name="discovery"/>; <paramref name="onStep"/> hears each
    /// step as it completes. A kernel compile failure writes the PTX and the JIT log into <paramref name="artifactsDir"/>.
    /// </summary>
    public static SmokeCheckResult Run(DeviceDiscovery discovery, GpuDeviceInfo device, Action<SmokeStep>? onStep = null, string? artifactsDir = null)
    {
        var steps = new List<SmokeStep>();
        var artifacts = new List<string>();
        IComputeBackend? backend = null;
        MemoryBuffer1D<uint, Stride1D.Dense>? buffer = null;
        const int words = 4096;
        bool Try(string step, Action action) => Step(steps, onStep, step, action);
        try
        {
            if (!Try("open accelerator", () => backend = discovery.Open(device)) || !Try("bind context to thread", backend!.BindToCurrentThread))
            {
                return Done(device, steps, backend?.Notes ?? [], artifacts);
            }

            var b = backend;
            Action<Index1D, ArrayView<uint>, long, int, uint, uint, int>? kernel = null;
            var ok = Try($"allocate {words * 4} bytes", () => buffer = b.Accelerator.Allocate1D<uint>(words));
            if (ok && !Try("compile kernel", () => kernel = b.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, uint, uint, int>(MemoryKernels.Fill)))
            {
                ok = false;
                WriteCompileDiagnosis(b, device, artifactsDir, artifacts);
            }

            ok = ok
                && Try("launch kernel", () => kernel!(words, buffer!.View, 0, (int)PatternKind.OwnAddress, 0, 0, 0))
                && Try("synchronize", b.Accelerator.Synchronize)
                && Try("read back and verify", () =>
                {
                    var data = buffer!.GetAsArray1D();
                    var bad = Enumerable.Range(0, words).Count(i => data[i] != (uint)i);
                    if (bad > 0)
                    {
                        throw new InvalidOperationException($"{bad} of {words} words wrong after an own-address fill");
                    }
                });

            var library = b.Engines.FirstOrDefault(e => e is CublasMatmulEngine);
            if (b.Info.Kind != DeviceKind.Cuda)
            {
                if (ok)
                {
                    Try($"matrix-product engine ({b.Matmul.Name})", () => { });
                }
            }
            else if (library is null)
            {
                Try("cuBLAS", () => throw new InvalidOperationException(
                    "cuBLAS did not load: products would run on the ILGPU kernels; " + string.Join("; ", b.Notes.Where(n => n.Contains("cuBLAS", StringComparison.Ordinal)))));
            }
            else
            {
                // cuBLAS first (every precision but FP8), then cublasLt (FP8), each a small product checked on the host.
                foreach (var precision in b.StressPrecisions.OrderBy(p => p == Precision.Fp8))
                {
                    Try(ProductStep(precision), () => CheckProduct(b, library, precision));
                }

                // A card with FP8 tensor cores (8.9 and later) whose cublasLt did not load or failed its self-test.
                if (!b.StressPrecisions.Contains(Precision.Fp8) && Version.TryParse(b.Info.ComputeCapability, out var cc) && cc >= new Version(8, 9))
                {
                    Try(ProductStep(Precision.Fp8), () => throw new InvalidOperationException(
                        "no FP8 products: " + string.Join("; ", b.Notes.Where(n => n.Contains("cublasLt", StringComparison.Ordinal)))));
                }
            }

            return Done(device, steps, b.Notes, artifacts);
        }
        finally
        {
            buffer?.Dispose();
            backend?.Dispose();
        }
    }

    private static string ProductStep(Precision precision) => string.Create(CultureInfo.InvariantCulture,
        $"{(precision == Precision.Fp8 ? "cublasLt" : "cuBLAS")} {precision.ToString().ToLowerInvariant()} {ProductSize}x{ProductSize}x{ProductSize} product");

    private static void CheckProduct(IComputeBackend backend, IMatmulEngine engine, Precision precision)
    {
        var random = new Random(16);
        var a = HostMatrix.Random(precision, ProductSize, random);
        var b = HostMatrix.Random(precision, ProductSize, random);
        using var da = DeviceMatrix.Upload(backend.Accelerator, PrecisionFacts.InputStorage(precision), a);
        using var db = DeviceMatrix.Upload(backend.Accelerator, PrecisionFacts.InputStorage(precision), b);
        using var dc = DeviceMatrix.Allocate(backend.Accelerator, PrecisionFacts.ResultStorage(precision), ProductSize);
        engine.Multiply(precision, da, db, dc);
        backend.Accelerator.Synchronize();
        var check = MatmulVerifier.Verify(precision, ProductSize, a.Values, b.Values, dc.Download(), ProductSize, random);
        if (!check.Passed)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"result disagrees with the host reference: {check.ColumnChecksumMismatches} column and {check.RowChecksumMismatches} row checksums, {check.SampleMismatches} of {check.SampleSize} samples off, max relative error {check.MaxRelativeError:E2}"));
        }
    }

    private static void WriteCompileDiagnosis(IComputeBackend backend, GpuDeviceInfo device, string? dir, List<string> artifacts)
    {
        if (dir is null || backend.Accelerator is not CudaAccelerator cuda)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(dir);
            var ptx = CudaJitLog.GeneratePtx(cuda, typeof(MemoryKernels).GetMethod(nameof(MemoryKernels.Fill))!);
            var ptxFile = Path.Combine(dir, $"smoke-device{device.Id}-fill.ptx");
            File.WriteAllText(ptxFile, ptx);
            artifacts.Add(ptxFile);
            var logFile = Path.Combine(dir, $"smoke-device{device.Id}-fill.jit.log");
            File.WriteAllText(logFile, CudaJitLog.LoadAndLog(ptx));
            artifacts.Add(logFile);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            artifacts.Add($"(could not write the PTX and JIT log: {ex.GetType().Name}: {ex.Message})");
        }
    }

    private static SmokeCheckResult Done(GpuDeviceInfo device, List<SmokeStep> steps, IReadOnlyList<string> notes, List<string> artifacts) =>
        new(device.Id, steps.All(s => s.Ok), steps, notes) { Artifacts = artifacts };

    private static bool Step(List<SmokeStep> steps, Action<SmokeStep>? onStep, string step, Action action)
    {
        SmokeStep done;
        try
        {
            action();
            done = new SmokeStep(step, true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex.InnerException is null ? string.Empty : $" (inner {ex.InnerException.GetType().Name}: {ex.InnerException.Message})";
            done = new SmokeStep(step, false, $"{ex.GetType().FullName}: {ex.Message}{inner}");
        }

        steps.Add(done);
        onStep?.Invoke(done);
        return done.Ok;
    }
}
