namespace Fleet.Domain.Models;

/// <summary>
/// What one (GPU model, transformer model, dtype) measured: written by the inference profiler (<c>fleet infer profile</c>),
/// read by the capacity planner. Serialized as camelCase JSON; <see cref="Schema"/> versions the shape.
/// Times are seconds. t_prefill = a + b·ΣL + c·ΣL²; t_decode = a + b·Σctx + c·B, or, where the profile has
/// <see cref="DecodeByBatch"/>, a line in Σctx per measured batch size (<see cref="DecodeSeconds"/>).
/// </summary>
public sealed record PerformanceProfile
{
    public const string CurrentSchema = "fleet.inference-profile/v1";

    public string Schema { get; init; } = CurrentSchema;
    /// <summary>Catalog name of the GPU model (e.g. "H100 SXM5 80GB"), or "cpu".</summary>
    public required string GpuModel { get; init; }
    /// <summary>The device as the driver names it.</summary>
    public string? Device { get; init; }
    /// <summary>Preset name of the transformer model (e.g. "llama-3.1-8b").</summary>
    public required string Model { get; init; }
    public required string Dtype { get; init; }
    public DateTime MeasuredAtUtc { get; init; }
    public string? ToolVersion { get; init; }
    /// <summary>Ceilings measured on the same device in the same run, against which MBU and MFU are stated.</summary>
    public required ProfileCeilings Ceilings { get; init; }
    public required QuadraticFit Prefill { get; init; }
    public required DecodeFit Decode { get; init; }
    public required ProfileMemory Memory { get; init; }
    public IReadOnlyList<PrefillPoint> PrefillPoints { get; init; } = [];
    public IReadOnlyList<DecodePoint> DecodePoints { get; init; } = [];
    /// <summary>Model bandwidth utilisation of batch-1 decode at the smallest context measured.</summary>
    public double? DecodeMbu { get; init; }
    /// <summary>Model FLOP utilisation of the longest prefill measured.</summary>
    public double? PrefillMfu { get; init; }
    /// <summary>
    /// Decode step time per measured batch size, ascending by batch, fitted from <see cref="DecodePoints"/>
    /// (<see cref="DecodeCurve.Fit"/>). Empty in profiles written before it existed: <see cref="Decode"/> then applies.
    /// </summary>
    public IReadOnlyList<BatchDecodeFit>? DecodeByBatch { get; init; } = [];
    /// <summary>
    /// Seconds a request spends outside engine steps as a client sees it (HTTP, queue hand-off, first flush), measured
    /// through a server: a lone request's TTFT minus the engine's own step time for it. Null when not measured.
    /// </summary>
    public double? RequestOverheadSeconds { get; init; }

    /// <summary>Seconds of one decode step of <paramref name="batch"/> sequences reading <paramref name="totalContext"/> KV tokens.</summary>
    public double DecodeSeconds(double totalContext, int batch) => DecodeByBatch is { Count: > 0 } fits
        ? DecodeCurve.Evaluate(fits, totalContext, batch)
        : Decode.Evaluate(totalContext, batch);
}

public sealed record ProfileCeilings(double BandwidthBytesPerSecond, double MatmulFlopsPerSecond);

/// <summary>t = A + B·x + C·x².</summary>
public sealed record QuadraticFit(double A, double B, double C)
{
    public double Evaluate(double x) => A + (B * x) + (C * x * x);
}

/// <summary>t = A + B·Σctx + C·batch.</summary>
public sealed record DecodeFit(double A, double B, double C)
{
    public double Evaluate(double totalContext, int batch) => A + (B * totalContext) + (C * batch);
}

/// <summary>t = A + B·Σctx for a decode step of exactly <see cref="Batch"/> sequences.</summary>
public sealed record BatchDecodeFit(int Batch, double A, double B)
{
    public double Evaluate(double totalContext) => A + (B * totalContext);
}

/// <summary>
/// The decode step time as a curve over batch sizes: a line in Σctx for each measured batch, linear between measured
/// batches, and beyond the largest the line through the last two (never below the largest's own). For any fixed batch the
/// step time is convex and piecewise linear in Σctx (one line, or the larger of two), what the simulator's closed-form
/// decode runs rely on.
/// </summary>
public static class DecodeCurve
{
    /// <summary>
    /// Fits A + B·Σctx (Σctx = batch × context) by least squares to the points of each batch size; a negative slope
    /// (noise between nearly equal times) is taken as flat, at the points' mean. Ascending by batch.
    /// </summary>
    public static IReadOnlyList<BatchDecodeFit> Fit(IEnumerable<DecodePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var fits = new List<BatchDecodeFit>();
        foreach (var group in points.Where(p => p.Batch > 0 && double.IsFinite(p.Seconds)).GroupBy(p => p.Batch).OrderBy(g => g.Key))
        {
            var xs = group.Select(p => (double)p.Batch * p.Context).ToList();
            var ys = group.Select(p => p.Seconds).ToList();
            var mx = xs.Average();
            var my = ys.Average();
            var sxx = xs.Sum(x => (x - mx) * (x - mx));
            var sxy = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum();
            var slope = sxx > 0 ? Math.Max(0, sxy / sxx) : 0;
            fits.Add(new BatchDecodeFit(group.Key, my - (slope * mx), slope));
        }

        return fits;
    }

    /// <summary>Seconds of a decode step of <paramref name="batch"/> sequences over <paramref name="totalContext"/> KV tokens; <paramref name="fits"/> ascending by batch.</summary>
    public static double Evaluate(IReadOnlyList<BatchDecodeFit> fits, double totalContext, int batch)
    {
        ArgumentNullException.ThrowIfNull(fits);
        if (fits.Count == 0)
        {
            throw new ArgumentException("The curve needs at least one measured batch size.", nameof(fits));
        }

        if (batch <= fits[0].Batch)
        {
            return fits[0].Evaluate(totalContext);
        }

        for (var i = 1; i < fits.Count; i++)
        {
            if (batch <= fits[i].Batch)
            {
                var (lo, hi) = (fits[i - 1], fits[i]);
                var w = (double)(batch - lo.Batch) / (hi.Batch - lo.Batch);
                return lo.Evaluate(totalContext) + (w * (hi.Evaluate(totalContext) - lo.Evaluate(totalContext)));
            }
        }

        var last = fits[^1];
        var atLast = last.Evaluate(totalContext);
        if (fits.Count == 1)
        {
            return atLast;
        }

        var before = fits[^2];
        var perSequence = (atLast - before.Evaluate(totalContext)) / (last.Batch - before.Batch);
        return atLast + (Math.Max(0, perSequence) * (batch - last.Batch));
    }
}

public sealed record ProfileMemory(long DeviceMemoryBytes, long WeightBytes, long KvBytesPerToken, IReadOnlyList<MaxBatchPoint> MaxBatch);

public sealed record MaxBatchPoint(int Context, int MaxBatch);

public sealed record PrefillPoint(int Batch, int PromptTokens, double Seconds);

public sealed record DecodePoint(int Batch, int Context, double Seconds);
