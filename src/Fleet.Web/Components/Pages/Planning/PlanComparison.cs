using Fleet.Application.Planning;
using Fleet.Planning.Capacity;
using Fleet.Planning.Simulation;

namespace Fleet.Web.Components.Pages.Planning;

/// <summary>Two runs figure by figure: what was asked, then what each measured (a figure one run lacks is "–").</summary>
public static class PlanComparison
{
    public static IEnumerable<(string Name, string A, string B)> Rows(PlanRunDetail a, PlanRunDetail b)
    {
        var (sa, sb) = (PlanCharts.Simulation(a.ResultJson), PlanCharts.Simulation(b.ResultJson));
        var (ca, cb) = (PlanCharts.Capacity(a.ResultJson), PlanCharts.Capacity(b.ResultJson));
        yield return ("scenario", a.Run.ScenarioName ?? "–", b.Run.ScenarioName ?? "–");
        yield return ("kind", Kind(a), Kind(b));
        yield return ("run by, when", $"{a.Run.CreatedBy}, {When(a)}", $"{b.Run.CreatedBy}, {When(b)}");
        yield return ("state", a.Run.State.ToString().ToLowerInvariant(), b.Run.State.ToString().ToLowerInvariant());
        if (sa is not null || sb is not null)
        {
            yield return ("GPUs", S(sa, r => r.Gpus.ToString("N0", CultureInfo.InvariantCulture)), S(sb, r => r.Gpus.ToString("N0", CultureInfo.InvariantCulture)));
            yield return ("TTFT p50 (ms)", S(sa, r => Ms(r.Ttft.P50)), S(sb, r => Ms(r.Ttft.P50)));
            yield return ("TTFT p99 (ms)", S(sa, r => Ms(r.Ttft.P99)), S(sb, r => Ms(r.Ttft.P99)));
            yield return ("TPOT p99 (ms)", S(sa, r => Ms(r.Tpot.P99)), S(sb, r => Ms(r.Tpot.P99)));
            yield return ("end to end p99 (ms)", S(sa, r => Ms(r.E2e.P99)), S(sb, r => Ms(r.E2e.P99)));
            yield return ("SLO attainment", S(sa, r => Pct(r.SloAttainment)), S(sb, r => Pct(r.SloAttainment)));
            yield return ("goodput (requests/s)", S(sa, r => N(r.Goodput)), S(sb, r => N(r.Goodput)));
            yield return ("output tokens/s", S(sa, r => N(r.ThroughputTokensPerSecond)), S(sb, r => N(r.ThroughputTokensPerSecond)));
            yield return ("utilisation", S(sa, r => Pct(r.Utilization)), S(sb, r => Pct(r.Utilization)));
        }

        if (ca is not null || cb is not null)
        {
            yield return ("answer (GPUs)", C(ca, Answer), C(cb, Answer));
            yield return ("spares", C(ca, r => r.SpareGpus.ToString(CultureInfo.InvariantCulture)), C(cb, r => r.SpareGpus.ToString(CultureInfo.InvariantCulture)));
            yield return ("attainment at the answer", C(ca, r => Pct(r.Attainment)), C(cb, r => Pct(r.Attainment)));
            yield return ("survives a datacenter loss", C(ca, r => r.SurviveDatacenterLoss ? "checked" : "not asked"), C(cb, r => r.SurviveDatacenterLoss ? "checked" : "not asked"));
            yield return ("capex", Money(a.Cost, c => c.Capex), Money(b.Cost, c => c.Capex));
            yield return ("monthly opex", Money(a.Cost, c => c.MonthlyOpex), Money(b.Cost, c => c.MonthlyOpex));
            yield return ("cost per million output tokens", Money(a.Cost, c => c.CostPerMillionOutputTokens), Money(b.Cost, c => c.CostPerMillionOutputTokens));
        }
    }

    private static string Answer(CapacityResult r) => string.Create(CultureInfo.InvariantCulture, $"{r.Gpus:N0} × {r.GpuModel}");

    private static string Kind(PlanRunDetail d) => d.Run.Kind == PlanKind.Capacity ? "capacity search" : "simulation";

    private static string When(PlanRunDetail d) => d.Run.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string S(SimulationResult? r, Func<SimulationResult, string> f) => r is null ? "–" : f(r);

    private static string C(CapacityResult? r, Func<CapacityResult, string> f) => r is null ? "–" : f(r);

    private static string Money(PlanCost? c, Func<PlanCost, decimal?> f) => c is not null && f(c) is { } v ? v.ToString("N2", CultureInfo.InvariantCulture) + " " + c.Currency : "–";

    private static string Ms(double s) => double.IsFinite(s) ? (s * 1000).ToString("N1", CultureInfo.InvariantCulture) : "–";

    private static string Pct(double s) => double.IsFinite(s) ? s.ToString("P2", CultureInfo.InvariantCulture) : "–";

    private static string N(double v) => double.IsFinite(v) ? v.ToString("N2", CultureInfo.InvariantCulture) : "–";
}
