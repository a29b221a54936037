using System.Text.Json;
using System.Text.Json.Serialization;
using Fleet.Planning.Capacity;
using Fleet.Planning.Simulation;
using MudBlazor;

namespace Fleet.Web.Components.Pages.Planning;

/// <summary>Reads a run's result JSON (what <c>fleet plan simulate|capacity --json</c> prints) and builds its charts.</summary>
public static class PlanCharts
{
    public const string Utilization = "Utilisation %";
    public const string QueueLength = "Queue length";
    public const string Attainment = "SLO attainment %";
    public const string Target = "Target %";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static SimulationResult? Simulation(string? json) => Read<SimulationResult>(json, SimulationResult.CurrentSchema);

    public static CapacityResult? Capacity(string? json) => Read<CapacityResult>(json, CapacityResult.CurrentSchema);

    /// <summary>Utilisation (percent) and queue length per simulated minute; at most <paramref name="maxPoints"/> points (every n-th minute).</summary>
    public static (List<ChartSeries<double>> Utilization, List<ChartSeries<double>> Queue, string[] Labels) OverTime(SimulationResult r, int maxPoints = 60)
    {
        var stride = Math.Max(1, (int)Math.Ceiling(r.PerMinute.Count / (double)maxPoints));
        var points = r.PerMinute.Where((_, i) => i % stride == 0).ToList();
        return ([Series(Utilization, points.Select(p => p.Utilization * 100))], [Series(QueueLength, points.Select(p => p.QueueLength))],
            points.Select(p => p.Minute.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>SLO attainment (percent) of every probe the search ran, by GPU count, beside the target.</summary>
    public static (List<ChartSeries<double>> Series, string[] Labels) AttainmentByGpus(CapacityResult r)
    {
        var probes = r.Probes.GroupBy(p => p.Gpus).Select(g => g.Last()).OrderBy(p => p.Gpus).ToList();
        return ([Series(Attainment, probes.Select(p => p.Attainment * 100)), Series(Target, probes.Select(_ => r.TargetAttainment * 100))],
            probes.Select(p => p.Gpus.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    private static T? Read<T>(string? json, string schema) where T : class
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("schema", out var s) || s.GetString() != schema)
            {
                return null;
            }

            return doc.RootElement.Deserialize<T>(s_json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ChartSeries<double> Series(string name, IEnumerable<double> values) =>
        new() { Name = name, Data = new ChartData<double>(values.Select(v => (double?)v).ToList()) };
}
