using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.Backends;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Gpu.BurnIn;

/// <summary>
/// Copy bandwidths: device-to-device (bytes read + written), and host-to-device / device-to-host through page-locked
/// (pinned) host memory. Timing is stream synchronise + the injected clock around a batch of copies; the median of the repeats.
/// </summary>
public sealed class BandwidthPhase(TimeProvider time)
{
    /// <summary>Timed repeats per direction after one warm-up.</summary>
    public int Repeats { get; init; } = 10;

    /// <summary>Copies issued back to back inside each timed repeat, so synchronisation latency stays a small share.</summary>
    public int Batch { get; init; } = 5;

    /// <summary>Measures with <paramref name="bytes"/> per transfer (default: the backend's scale).</summary>
    public BandwidthMetrics Run(IComputeBackend backend, CancellationToken ct, long? bytes = null)
    {
        var accelerator = backend.Accelerator;
        var size = bytes ?? backend.Scale.BandwidthBytes;
        var words = Math.Max(1024, size / 4);
        using var source = accelerator.Allocate1D<uint>(words);
        using var target = accelerator.Allocate1D<uint>(words);
        source.MemSetToZero();
        using var pinned = accelerator.AllocatePageLocked1D<uint>(words);

        var d2d = Median(() => source.View.CopyTo(target.View), accelerator, ct);
        var h2d = Median(() => source.View.CopyFromPageLockedAsync(pinned), accelerator, ct);
        var d2h = Median(() => source.View.CopyToPageLockedAsync(pinned), accelerator, ct);
        var b = words * 4.0;
        return new BandwidthMetrics
        {
            Bytes = words * 4,
            DeviceToDeviceGBs = 2 * b / d2d / 1e9,
            HostToDeviceGBs = b / h2d / 1e9,
            DeviceToHostGBs = b / d2h / 1e9,
            PinnedHostMemory = true,
        };
    }

    private double Median(Action copy, Accelerator accelerator, CancellationToken ct)
    {
        copy();
        accelerator.Synchronize();
        var seconds = new double[Math.Max(1, Repeats)];
        for (var i = 0; i < seconds.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = time.GetTimestamp();
            for (var b = 0; b < Math.Max(1, Batch); b++)
            {
                copy();
            }

            accelerator.Synchronize();
            seconds[i] = Math.Max(time.GetElapsedTime(start).TotalSeconds / Math.Max(1, Batch), 1e-9);
        }

        Array.Sort(seconds);
        return seconds.Length % 2 == 1 ? seconds[seconds.Length / 2] : (seconds[(seconds.Length / 2) - 1] + seconds[seconds.Length / 2]) / 2;
    }
}
