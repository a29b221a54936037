using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using Fleet.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.Devices;

/// <summary>One step of the smoke check and how it went.</summary>
public sealed record SmokeStep(string Step, bool Ok, string? Error = null);

/// <summary>The smoke check of one device: the steps in order; a failed step ends the check.</summary>
public sealed record SmokeCheckResult(string DeviceId, bool Ok, IReadOnlyList<SmokeStep> Steps, IReadOnlyList<string> Notes);

/// <summary>
/// Checks, one step at a time, what must work before anything else on new silicon (ILGPU has a report of crashing on
/// H100/H200, #1540): open the accelerator, allocate, compile a kernel, launch it, synchronise, read the result back.
/// Each failure is reported with the step and the exception, not a stack trace.
/// </summary>
public static class DeviceSmokeCheck
{
    /// <summary>Runs the steps on <paramref name="device"/> through <paramref name="discovery"/>.</summary>
    public static SmokeCheckResult Run(DeviceDiscovery discovery, GpuDeviceInfo device)
    {
        var steps = new List<SmokeStep>();
        IComputeBackend? backend = null;
        MemoryBuffer1D<uint, Stride1D.Dense>? buffer = null;
        const int words = 4096;
        try
        {
            if (!Try(steps, "open accelerator", () => backend = discovery.Open(device)))
            {
                return Done(device, steps, []);
            }

            var b = backend!;
            Action<Index1D, ArrayView<uint>, long, int, uint, uint, int>? kernel = null;
            var ok = Try(steps, "bind context to thread", b.BindToCurrentThread)
                && Try(steps, $"allocate {words * 4} bytes", () => buffer = b.Accelerator.Allocate1D<uint>(words))
                && Try(steps, "compile kernel", () => kernel = b.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, int, uint, uint, int>(MemoryKernels.Fill))
                && Try(steps, "launch kernel", () => kernel!(words, buffer!.View, 0, (int)PatternKind.OwnAddress, 0, 0, 0))
                && Try(steps, "synchronize", b.Accelerator.Synchronize)
                && Try(steps, "read back and verify", () =>
                {
                    var data = buffer!.GetAsArray1D();
                    var bad = Enumerable.Range(0, words).Count(i => data[i] != (uint)i);
                    if (bad > 0)
                    {
                        throw new InvalidOperationException($"{bad} of {words} words wrong after an own-address fill");
                    }
                });
            if (ok)
            {
                Try(steps, $"matrix-product engine ({b.Matmul.Name})", () => { });
            }

            return Done(device, steps, b.Notes);
        }
        finally
        {
            buffer?.Dispose();
            backend?.Dispose();
        }
    }

    private static SmokeCheckResult Done(GpuDeviceInfo device, List<SmokeStep> steps, IReadOnlyList<string> notes) =>
        new(device.Id, steps.All(s => s.Ok), steps, notes);

    private static bool Try(List<SmokeStep> steps, string step, Action action)
    {
        try
        {
            action();
            steps.Add(new SmokeStep(step, true));
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex.InnerException is null ? string.Empty : $" (inner {ex.InnerException.GetType().Name}: {ex.InnerException.Message})";
            steps.Add(new SmokeStep(step, false, $"{ex.GetType().FullName}: {ex.Message}{inner}"));
            return false;
        }
    }
}
