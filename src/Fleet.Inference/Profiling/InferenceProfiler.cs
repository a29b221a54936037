using System.Globalization;
using System.Reflection;
using Fleet.Domain.Models;

namespace Fleet.Inference.Profiling;

/// <summary>What to measure.</summary>
/// <param name="Batches">Decode batch sizes.</param>
/// <param name="Contexts">Context lengths for decode; prefill lengths are derived from them.</param>
/// <param name="Repeats">Timed repetitions per point (the median is kept).</param>
public sealed record ProfileRequest(string Dtype, IReadOnlyList<int> Batches, IReadOnlyList<int> Contexts, int Repeats = 3);

/// <summary>
/// Measures prefill time against prompt length and decode step time against batch and context, derives memory limits,
/// MBU and MFU against the device's own measured ceilings, and fits the planner's models
/// t_prefill = a + b·ΣL + c·ΣL² and t_decode = a + b·Σctx + c·B by least squares, and the decode step per batch size
/// (<see cref="DecodeCurve"/>), which the planner uses where it is present.
/// </summary>
public sealed class InferenceProfiler(TimeProvider time)
{
    public PerformanceProfile Run(
        IProfileTarget target, ModelShape shape, ProfileRequest request, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Batches.Count == 0 || request.Contexts.Count == 0 || request.Batches.Any(b => b <= 0) || request.Contexts.Any(c => c <= 0))
        {
            throw new ArgumentException("Batches and contexts must be non-empty lists of positive numbers.", nameof(request));
        }

        var contexts = request.Contexts.Select(c => Math.Min(c, target.MaxContext - 1)).Distinct().Order().ToList();
        if (contexts.Count < request.Contexts.Distinct().Count())
        {
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"contexts capped at {target.MaxContext - 1} (the model's limit): {string.Join(",", contexts)}"));
        }

        if (contexts.Count == 1)
        {
            // One context cannot separate the Σctx and B terms of the decode fit; add half of it.
            contexts.Insert(0, Math.Max(1, contexts[0] / 2));
        }

        progress?.Report($"measuring {target.DeviceName} ceilings (bandwidth, matrix product)");
        var ceilings = target.MeasureCeilings(cancellationToken);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"ceilings: {ceilings.BandwidthBytesPerSecond / 1e9:F1} GB/s, {ceilings.MatmulFlopsPerSecond / 1e12:F3} TFLOP/s"));

        var maxBatch = contexts.Select(c => new MaxBatchPoint(c, MaxBatch(target, c))).ToList();

        // Prefill: batch 1 at a quarter, half and all of each context.
        var lengths = contexts.SelectMany(c => new[] { Math.Max(1, c / 4), Math.Max(1, c / 2), c }).Distinct().Order().ToList();
        var prefill = new List<PrefillPoint>();
        target.Prefill(1, Math.Min(lengths[0], 16), cancellationToken);
        foreach (var length in lengths)
        {
            var seconds = Median(request.Repeats, () => target.Prefill(1, length, cancellationToken));
            prefill.Add(new PrefillPoint(1, length, seconds));
            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"prefill L={length}: {seconds * 1e3:F2} ms ({length / seconds:F0} tok/s)"));
        }

        var decode = new List<DecodePoint>();
        foreach (var context in contexts)
        {
            var fit = maxBatch.First(m => m.Context == context).MaxBatch;
            foreach (var batch in request.Batches.Distinct().Order())
            {
                if (batch > fit)
                {
                    progress?.Report(string.Create(CultureInfo.InvariantCulture, $"decode B={batch} ctx={context}: skipped, only {fit} sequences fit"));
                    continue;
                }

                target.DecodeStep(batch, context, cancellationToken);
                var seconds = Median(request.Repeats, () => target.DecodeStep(batch, context, cancellationToken));
                decode.Add(new DecodePoint(batch, context, seconds));
                progress?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"decode B={batch} ctx={context}: {seconds * 1e3:F2} ms/step ({batch / seconds:F0} tok/s)"));
            }
        }

        var prefillFit = FitPrefill(prefill);
        var decodeFit = FitDecode(decode);
        var bytesPerParam = (double)target.WeightBytes / shape.Parameters;
        var firstDecode = decode.Where(d => d.Batch == 1).OrderBy(d => d.Context).FirstOrDefault();
        double? mbu = firstDecode is null ? null
            : ((shape.ActiveParametersPerToken * bytesPerParam) + ((double)target.KvBytesPerToken * firstDecode.Context))
              / firstDecode.Seconds / ceilings.BandwidthBytesPerSecond;
        var longest = prefill.OrderBy(p => p.PromptTokens).Last();
        var mfu = PrefillFlops(shape, longest.PromptTokens) * longest.Batch / longest.Seconds / ceilings.MatmulFlopsPerSecond;

        return new PerformanceProfile
        {
            GpuModel = target.GpuModel,
            Device = target.DeviceName,
            Model = shape.Name,
            Dtype = request.Dtype,
            MeasuredAtUtc = time.GetUtcNow().UtcDateTime,
            ToolVersion = typeof(InferenceProfiler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            Ceilings = ceilings,
            Prefill = prefillFit,
            Decode = decodeFit,
            Memory = new ProfileMemory(target.DeviceMemoryBytes, target.WeightBytes, target.KvBytesPerToken, maxBatch),
            PrefillPoints = prefill,
            DecodePoints = decode,
            DecodeByBatch = DecodeCurve.Fit(decode),
            DecodeMbu = mbu,
            PrefillMfu = mfu,
        };
    }

    /// <summary>
    /// Matrix-product FLOPs of one causal prefill as the engines run it: 2·N_layers·L for the layer weights, 2·L²·dim per
    /// layer for QKᵀ and AV, and the classifier once — a prefill needs logits for its last position only (both engines
    /// skip the others), so counting the classifier for every token would overstate MFU (by ~60 % on stories-15m).
    /// </summary>
    public static double PrefillFlops(ModelShape shape, int tokens)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var classifier = (double)shape.VocabSize * shape.Dim;
        return (2.0 * (shape.ActiveParametersPerToken - classifier) * tokens) + (2.0 * classifier)
            + (2.0 * shape.Layers * (double)tokens * tokens * shape.Dim);
    }

    /// <summary>Largest batch whose weights, KV cache at <paramref name="context"/> and workspace fit in device memory.</summary>
    public static int MaxBatch(IProfileTarget target, int context)
    {
        ArgumentNullException.ThrowIfNull(target);
        var free = target.DeviceMemoryBytes - target.WeightBytes;
        var perSequence = target.KvBytesPerToken * (long)context;
        bool Fits(int b) => (perSequence * b) + target.WorkspaceBytes(b) <= free;

        // Binary search over [0, KV-only bound]; workspace only grows with the batch.
        int lo = 0, hi = (int)Math.Min(1 << 20, Math.Max(0, free / Math.Max(1, perSequence)));
        while (lo < hi)
        {
            var mid = lo + ((hi - lo + 1) / 2);
            if (Fits(mid))
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    /// <summary>Fits t = a + b·ΣL + c·ΣL² over prefill measurements (ΣL over the batch).</summary>
    public static QuadraticFit FitPrefill(IReadOnlyList<PrefillPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var rows = points.Select(p => new[] { 1.0, (double)p.Batch * p.PromptTokens, (double)p.Batch * p.PromptTokens * p.PromptTokens }).ToList();
        var beta = LeastSquares.Fit(rows, [.. points.Select(p => p.Seconds)]);
        return new QuadraticFit(beta[0], beta[1], beta[2]);
    }

    /// <summary>Fits t = a + b·Σctx + c·B over decode measurements.</summary>
    public static DecodeFit FitDecode(IReadOnlyList<DecodePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var rows = points.Select(p => new[] { 1.0, (double)p.Batch * p.Context, p.Batch }).ToList();
        var beta = LeastSquares.Fit(rows, [.. points.Select(p => p.Seconds)]);
        return new DecodeFit(beta[0], beta[1], beta[2]);
    }

    private static double Median(int repeats, Func<double> measure)
    {
        var values = Enumerable.Range(0, Math.Max(1, repeats)).Select(_ => measure()).Order().ToList();
        return values[values.Count / 2];
    }
}
