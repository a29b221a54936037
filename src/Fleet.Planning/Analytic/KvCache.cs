using Fleet.Domain.Catalog;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Analytic;

/// <summary>How many tokens of context one replica can keep, from GPU memory minus weights.</summary>
public static class KvCache
{
    /// <summary>
    /// floor((tensorParallel × memory × memoryUtilization − weights) / KV bytes per token); memory counted in decimal GB
    /// (10⁹ bytes) as the catalog states it. Zero or less means the weights do not fit.
    /// </summary>
    public static long CapacityTokens(ModelSpec model, GpuModel gpu, int tensorParallel, double memoryUtilization)
    {
        var usable = tensorParallel * gpu.MemoryGb * 1e9 * memoryUtilization;
        var free = usable - model.Shape.WeightBytes(model.BytesPerElement);
        return (long)Math.Floor(free / model.Shape.KvBytesPerToken(model.BytesPerElement));
    }

    /// <summary>The scenario's KV capacity per replica of <paramref name="pool"/>: the stated one or the derived one.</summary>
    public static long CapacityTokens(Scenario scenario, FleetPool pool) =>
        scenario.Scheduler.KvCacheTokens ?? CapacityTokens(scenario.Model, pool.GpuModel, pool.TensorParallel, scenario.Scheduler.MemoryUtilization);
}
