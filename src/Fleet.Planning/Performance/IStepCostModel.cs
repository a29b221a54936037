using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Performance;

/// <summary>What one engine step of a replica does: the prompt tokens it prefills and the sequences it decodes.</summary>
/// <param name="PrefillTokens">Prompt tokens prefilled in the step (Σ chunk lengths).</param>
/// <param name="PrefillSquares">Σ chunk length², for the attention term of prefill.</param>
/// <param name="DecodeBatch">Sequences that each produce one token in the step.</param>
/// <param name="DecodeContext">Σ context length over the decoding sequences (KV tokens read).</param>
public readonly record struct StepShape(long PrefillTokens, double PrefillSquares, int DecodeBatch, long DecodeContext);

/// <summary>Seconds one replica needs for one continuous-batching step; the simulator's only view of the hardware.</summary>
public interface IStepCostModel
{
    /// <summary>Seconds for a step of <paramref name="shape"/>.</summary>
    double StepSeconds(in StepShape shape);
}

/// <summary>Step = decodeStepSeconds + prefillSecondsPerToken × prefill tokens: for validation against queueing formulas.</summary>
public sealed class FixedStepModel(FixedPerformance spec) : IStepCostModel
{
    /// <inheritdoc/>
    public double StepSeconds(in StepShape shape) => spec.DecodeStepSeconds + (spec.PrefillSecondsPerToken * shape.PrefillTokens);
}

/// <summary>
/// Step times from a measured profile: prefill a + b·ΣL + c·ΣL²; decode by <see cref="PerformanceProfile.DecodeSeconds"/>:
/// the line in Σctx measured at that batch size, interpolated between measured batches and extrapolated beyond the
/// largest (profiles without per-batch lines: a + b·Σctx + c·B). A mixed (chunked) step is costed as the sum of both
/// parts, an overestimate of a fused kernel by one weight pass.
/// </summary>
public sealed class ProfileStepModel(ProfilePerformance spec) : IStepCostModel
{
    /// <inheritdoc/>
    public double StepSeconds(in StepShape shape)
    {
        var p = spec.Profile;
        var seconds = 0.0;
        if (shape.PrefillTokens > 0)
        {
            seconds += p.Prefill.A + (p.Prefill.B * shape.PrefillTokens) + (p.Prefill.C * shape.PrefillSquares);
        }

        if (shape.DecodeBatch > 0)
        {
            seconds += p.DecodeSeconds(shape.DecodeContext, shape.DecodeBatch);
        }

        return seconds;
    }
}

/// <summary>
/// Roofline step time of one replica (tensorParallel GPUs, communication ignored):
/// max(FLOPs / (peak × computeEfficiency), bytes / (bandwidth × bandwidthEfficiency)) + overhead.
/// FLOPs = 2·activeParams per token + attention (2·layers·dim·ΣL² prefill, 4·layers·dim·Σctx decode);
/// bytes = weights once + KV read (Σctx) + KV written (one per token processed).
/// </summary>
public sealed class RooflineStepModel : IStepCostModel
{
    private readonly double _flopsPerSecond;
    private readonly double _bytesPerSecond;
    private readonly double _overhead;
    private readonly double _weightBytes;
    private readonly double _kvBytesPerToken;
    private readonly double _activeParameters;
    private readonly double _layersDim;

    public RooflineStepModel(ModelSpec model, GpuModel gpu, int tensorParallel, double computeEfficiency, double bandwidthEfficiency, double stepOverheadSeconds)
    {
        var peak = gpu.PeakTflops(model.Precision) ?? throw new ArgumentException($"{gpu.Name} has no {model.Dtype} support.", nameof(gpu));
        _flopsPerSecond = tensorParallel * peak * 1e12 * computeEfficiency;
        _bytesPerSecond = tensorParallel * gpu.MemoryBandwidthTbs * 1e12 * bandwidthEfficiency;
        _overhead = stepOverheadSeconds;
        _weightBytes = model.Shape.WeightBytes(model.BytesPerElement);
        _kvBytesPerToken = model.Shape.KvBytesPerToken(model.BytesPerElement);
        _activeParameters = model.Shape.ActiveParametersPerToken;
        _layersDim = (double)model.Shape.Layers * model.Shape.Dim;
    }

    /// <summary>The physical floor: datasheet peaks at 100 % efficiency, no overhead. Nothing may run faster.</summary>
    public static RooflineStepModel Floor(ModelSpec model, GpuModel gpu, int tensorParallel) => new(model, gpu, tensorParallel, 1, 1, 0);

    /// <summary>FLOPs of a step.</summary>
    public double Flops(in StepShape s) =>
        (2 * _activeParameters * (s.PrefillTokens + s.DecodeBatch)) + (2 * _layersDim * s.PrefillSquares) + (4 * _layersDim * s.DecodeContext);

    /// <summary>Bytes moved to and from GPU memory in a step.</summary>
    public double Bytes(in StepShape s) =>
        _weightBytes + (_kvBytesPerToken * (s.DecodeContext + s.PrefillTokens + s.DecodeBatch));

    /// <inheritdoc/>
    public double StepSeconds(in StepShape shape) =>
        Math.Max(Flops(shape) / _flopsPerSecond, Bytes(shape) / _bytesPerSecond) + _overhead;
}

/// <summary>Builds the step model a scenario names for one pool of its fleet.</summary>
public static class StepCostModels
{
    /// <summary>Seconds every request spends outside engine steps (added to its TTFT and end-to-end latency); 0 unless the scenario's profile performance sets it.</summary>
    public static double RequestOverheadSeconds(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Performance is ProfilePerformance p ? p.RequestOverheadSeconds : 0;
    }

    /// <summary>The scenario's performance model for replicas of <paramref name="pool"/>.</summary>
    public static IStepCostModel For(Scenario scenario, FleetPool pool) => scenario.Performance switch
    {
        FixedPerformance f => new FixedStepModel(f),
        ProfilePerformance p => new ProfileStepModel(p),
        RooflinePerformance r => new RooflineStepModel(scenario.Model, pool.GpuModel, pool.TensorParallel, r.ComputeEfficiency, r.BandwidthEfficiency, r.StepOverheadSeconds),
        _ => throw new ArgumentException("Unknown performance source.", nameof(scenario)),
    };
}
