using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;

namespace Fleet.Planning.Validation;

/// <summary>p50, p90 and p99 of one latency, seconds (or, in a relative error, a share).</summary>
public sealed record PercentileTriple(double P50, double P90, double P99)
{
    public static PercentileTriple From(LatencyStats s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.P50, s.P90, s.P99);
    }
}

/// <summary>The figures predicted and measured runs are compared on; throughput is output tokens per second.</summary>
public sealed record ServingFigures(PercentileTriple Ttft, PercentileTriple Tpot, PercentileTriple E2e, double Throughput)
{
    public static ServingFigures From(ServingSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(PercentileTriple.From(s.Ttft), PercentileTriple.From(s.Tpot), PercentileTriple.From(s.E2e), s.ThroughputTokensPerSecond);
    }
}

/// <summary>
/// Predicted against measured (<c>fleet plan validate</c>'s JSON): <c>{ predicted, measured, relativeError }</c>, each
/// <c>{ ttft: { p50, p90, p99 }, tpot, e2e, throughput }</c>. A relative error is (predicted − measured) / measured: negative
/// when the simulator is optimistic.
/// </summary>
public sealed record ValidationReport(ServingFigures Predicted, ServingFigures Measured, ServingFigures RelativeError)
{
    /// <summary>The default tolerance on every p50 and p90 relative error.</summary>
    public const double DefaultTolerance = 0.10;

    public static ValidationReport Compare(ServingSummary predicted, ServingSummary measured)
    {
        var p = ServingFigures.From(predicted);
        var m = ServingFigures.From(measured);
        static double E(double pred, double meas) => (pred - meas) / meas;
        static PercentileTriple T(PercentileTriple a, PercentileTriple b) => new(E(a.P50, b.P50), E(a.P90, b.P90), E(a.P99, b.P99));
        return new ValidationReport(p, m, new ServingFigures(T(p.Ttft, m.Ttft), T(p.Tpot, m.Tpot), T(p.E2e, m.E2e), E(p.Throughput, m.Throughput)));
    }

    /// <summary>The p50 and p90 relative errors of TTFT, TPOT and end-to-end latency, named.</summary>
    public IEnumerable<(string Name, double Error)> GatedErrors()
    {
        yield return ("ttft.p50", RelativeError.Ttft.P50);
        yield return ("ttft.p90", RelativeError.Ttft.P90);
        yield return ("tpot.p50", RelativeError.Tpot.P50);
        yield return ("tpot.p90", RelativeError.Tpot.P90);
        yield return ("e2e.p50", RelativeError.E2e.P50);
        yield return ("e2e.p90", RelativeError.E2e.P90);
    }

    /// <summary>True when every gated error is a number within ±<paramref name="tolerance"/>.</summary>
    public bool WithinTolerance(double tolerance) => GatedErrors().All(e => double.IsFinite(e.Error) && Math.Abs(e.Error) <= tolerance);
}

/// <summary>Builds the scenario <c>fleet plan validate</c> simulates: the scenario's demand, SLO and scheduler on one server.</summary>
public static class ServerValidation
{
    /// <summary>
    /// The scenario with its fleet replaced by one replica of one device and its performance by <paramref name="profile"/>
    /// (with the profile's measured request overhead), whatever the scenario said, so a scenario written for the fleet can
    /// be reused; failures and outages are dropped.
    /// The device is the profile's, with unbounded datasheet ceilings: the profile is what this server measured, so the
    /// roofline floor (which guards catalog hardware against impossible claims) must not bind.
    /// </summary>
    public static Scenario ForServer(Scenario scenario, PerformanceProfile profile, string profilePath, int? maxBatch = null, long? kvCacheTokens = null, int? chunkedPrefillTokens = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(profile);
        const double Unbounded = 1e9;
        var device = new GpuModel
        {
            Name = profile.GpuModel,
            Vendor = "server",
            Architecture = profile.Device ?? profile.GpuModel,
            FormFactor = "server",
            MemoryGb = (int)Math.Clamp(profile.Memory.DeviceMemoryBytes / 1_000_000_000, 1, int.MaxValue),
            MemoryBandwidthTbs = Unbounded,
            Fp64Tflops = Unbounded,
            Fp32Tflops = Unbounded,
            Tf32Tflops = Unbounded,
            Fp16Tflops = Unbounded,
            Bf16Tflops = Unbounded,
            Fp8Tflops = Unbounded,
        };
        var scheduler = scenario.Scheduler with
        {
            MaxBatch = maxBatch ?? scenario.Scheduler.MaxBatch,
            KvCacheTokens = kvCacheTokens ?? scenario.Scheduler.KvCacheTokens,
            ChunkedPrefillTokens = chunkedPrefillTokens ?? scenario.Scheduler.ChunkedPrefillTokens,
            Routing = RoutingPolicy.RoundRobin,
        };
        return scenario with
        {
            Fleet = [new FleetPool("server", device, 1, 1)],
            Performance = new ProfilePerformance(profilePath, profile, profile.RequestOverheadSeconds ?? 0),
            Scheduler = scheduler,
            Failures = null,
            Outage = null,
        };
    }

    /// <summary>
    /// Requests per second one server sustains by the profile at a steady full batch: every <paramref name="batch"/> requests
    /// cost one prefill of all their prompts plus (output − 1) decode steps at the mean context.
    /// </summary>
    public static double CapacityRequestsPerSecond(PerformanceProfile profile, int batch, double promptTokens, double outputTokens)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var prefill = profile.Prefill.A + (profile.Prefill.B * batch * promptTokens) + (profile.Prefill.C * batch * promptTokens * promptTokens);
        var decode = profile.DecodeSeconds(batch * (promptTokens + (outputTokens / 2)), batch);
        return batch / (prefill + (Math.Max(0, outputTokens - 1) * decode));
    }

    /// <summary>The scenario with its Poisson or gamma arrival rate set to <paramref name="ratePerSecond"/> (burstiness kept).</summary>
    public static Scenario WithRate(Scenario scenario, double ratePerSecond)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArrivalSpec arrival = scenario.Workload.Arrival switch
        {
            PoissonArrival => new PoissonArrival(ratePerSecond),
            GammaArrival g => g with { RatePerSecond = ratePerSecond },
            var other => throw new ArgumentException($"A load share needs Poisson or gamma arrivals, not {other.GetType().Name}.", nameof(scenario)),
        };
        return scenario with { Workload = scenario.Workload with { Arrival = arrival } };
    }
}
