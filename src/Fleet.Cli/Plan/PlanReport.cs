using System.Globalization;
using System.Text;
using Fleet.Cli.Plan.Replay;
using Fleet.Planning.Capacity;
using Fleet.Planning.Simulation;
using Fleet.Planning.Validation;

namespace Fleet.Cli.Plan;

/// <summary>Human-readable summaries of plan results, for when --json is absent.</summary>
public static class PlanReport
{
    public static string Simulation(SimulationResult r)
    {
        var s = new StringBuilder();
        void Line(string text) => s.Append(text).Append('\n');
        Line(F($"Scenario {r.Scenario ?? "(unnamed)"}, seed {r.Seed}: {r.Gpus:N0} GPUs in {r.Replicas:N0} replicas, {r.DurationSeconds:N0} s of arrivals, drained at {r.MakespanSeconds:N1} s"));
        Line(F($"Requests   {r.Requests:N0}  completed {r.Completed:N0}  dropped {r.Dropped:N0} (no capacity {r.DroppedNoCapacity:N0}, too long {r.DroppedTooLong:N0})  restarted {r.Restarted:N0}"));
        Line("");
        LatencyTable(s, ("TTFT", r.Ttft), ("TPOT", r.Tpot), ("E2E", r.E2e), ("wait", r.Wait));
        Line("");
        Line(F($"Wait probability   {r.WaitProbability:P2}"));
        ThroughputAndSlo(s, r.Summary!);
        Line(F($"Utilization        {r.Utilization:P1}, mean batch {r.MeanBatchSize:N1}"));
        Line(F($"Little's law       L = {r.LittlesLaw.MeanInSystem:G5}, X x W = {r.LittlesLaw.ThroughputPerSecond * r.LittlesLaw.MeanTimeInSystemSeconds:G5} (error {r.LittlesLaw.RelativeError:P3})"));
        foreach (var dc in r.Datacenters)
        {
            Line(F($"Datacenter {dc.Name,-10} {dc.Replicas,6:N0} replicas  {dc.Completed,10:N0} completed  {dc.OutputTokens,14:N0} tokens  utilization {dc.Utilization:P1}"));
        }

        if (r.PerMinute.Count > 0)
        {
            Line("");
            Line(F($"{"minute",8}{"queue",12}{"batch",10}{"util",10}{"up",10}"));
            var stride = Math.Max(1, r.PerMinute.Count / 30);
            for (var i = 0; i < r.PerMinute.Count; i += stride)
            {
                var m = r.PerMinute[i];
                Line(F($"{m.Minute,8}{m.QueueLength,12:N1}{m.BatchSize,10:N1}{m.Utilization,10:P1}{m.ReplicasUp,10:N0}"));
            }

            if (stride > 1)
            {
                Line(F($"(every {stride}th minute of {r.PerMinute.Count}; --json has them all)"));
            }
        }

        Line("");
        Line(F($"Engine: {r.Engine.Events:N0} events, {r.Engine.StepEvents:N0} step events covering {r.Engine.Steps:N0} steps, {r.Engine.StepsClampedToRoofline:N0} clamped to the roofline floor"));
        foreach (var w in r.Warnings)
        {
            Line("warning: " + w);
        }

        return s.ToString();
    }

    public static string Capacity(CapacityResult r)
    {
        var s = new StringBuilder();
        void Line(string text) => s.Append(text).Append('\n');
        Line(F($"Scenario {r.Scenario ?? "(unnamed)"}: {r.DemandRequestsPerSecond:G4} requests/s on {r.GpuModel}, tensor parallel {r.TensorParallel}, target {r.TargetAttainment:P2} SLO attainment"));
        Line(F($"Answer             {r.Gpus:N0} GPUs ({r.ServingGpus:N0} serving + {r.SpareGpus:N0} spare), {r.Replicas:N0} replicas"));
        var worst = r.SurviveDatacenterLoss ? " (worst of: all up, each datacenter lost)" : "";
        Line(F($"Attainment         {r.Attainment:P2} (± {r.AttainmentStandardError:P2} binomial) at {r.ServingGpus:N0} GPUs") + (r.GpusBelow is { } below ? F($"; {r.AttainmentBelow:P2} at {below:N0} GPUs") : "") + worst);
        foreach (var loss in r.DatacenterLoss)
        {
            Line(F($"  without {loss.Datacenter,-10} {loss.Attainment:P2}"));
        }

        Line(F($"Simulated          TTFT p99 {r.Simulated.TtftP99:G4} s, TPOT p99 {r.Simulated.TpotP99:G4} s, {r.Simulated.ThroughputTokensPerSecond:N0} tokens/s, utilization {r.Simulated.Utilization:P1}, mean batch {r.Simulated.MeanBatchSize:N1}"));
        var a = r.Analytic;
        Line(F($"Analytic estimate  {a.Gpus:N0} GPUs ({a.Replicas:N0} replicas at batch {a.BatchPerReplica}, decode step {a.DecodeStepSeconds * 1000:G4} ms (floor {a.DecodeStepFloorSeconds * 1000:G4} ms), prefill {a.PrefillSecondsPerRequest * 1000:G4} ms, {a.ReplicaRequestsPerSecond:G4} requests/s per replica, load {a.Utilization:P1})"));
        if (!a.TpotReachable)
        {
            Line("                   warning: even batch 1 misses the TPOT SLO on this GPU");
        }

        if (!a.TtftReachable)
        {
            Line("                   warning: prefill alone exceeds the TTFT SLO on this GPU");
        }

        var c = r.Cost;
        Line(F($"Cost               {c.CostPerGpuHour:N4} {c.Currency}/GPU-hour (depreciation {c.DepreciationPerGpuHour:N4} + power {c.PowerPerGpuHour:N4}); fleet {c.FleetCostPerHour:N2} {c.Currency}/hour"));
        Line(F($"                   {c.CostPerMillionOutputTokens:N4} {c.Currency} per million output tokens simulated; {c.AnalyticCostPerMillionOutputTokens:N4} at the analytic estimate"));
        Line(F($"                   capex {c.Capex:N2} {c.Currency}; opex {c.MonthlyOpex:N2} {c.Currency} in {c.Month:yyyy-MM}; {c.CostPerMillionTokens:N4} {c.Currency} per million tokens at {c.OperatingPoint}"));
        Line("");
        Line("Probes (GPUs -> attainment):");
        foreach (var p in r.Probes)
        {
            Line(F($"  {p.Gpus,8:N0}  {p.Attainment,8:P2}  {(p.Meets ? "meets" : "misses")}"));
        }

        Line("");
        Line("Assumptions:");
        foreach (var x in r.Assumptions.Concat(a.Assumptions))
        {
            Line("  - " + x);
        }

        return s.ToString();
    }

    /// <summary>What <c>fleet plan replay</c> measured, in the simulator's own summary lines.</summary>
    public static string Replay(ReplayResult r)
    {
        var s = new StringBuilder();
        void Line(string text) => s.Append(text).Append('\n');
        var m = r.Summary;
        Line(F($"Replay of {r.Scenario ?? "(trace)"} against {r.Server} (model {r.Model}), seed {r.Seed}: last token at {r.MakespanSeconds:N1} s"));
        Line(F($"Requests   {m.Requests:N0}  completed {m.Completed:N0}  failed {r.Failed:N0}"));
        Line("");
        LatencyTable(s, ("TTFT", m.Ttft), ("TPOT", m.Tpot), ("E2E", m.E2e), ("ITL", r.InterToken), ("send lag", r.SendLag));
        Line("");
        ThroughputAndSlo(s, m);
        foreach (var e in r.Errors)
        {
            Line("error: " + e);
        }

        return s.ToString();
    }

    /// <summary>Predicted against measured, with relative errors, for <c>fleet plan validate</c>.</summary>
    public static string Validation(ValidationReport v, double tolerance)
    {
        var s = new StringBuilder();
        void Line(string text) => s.Append(text).Append('\n');
        Line(F($"{"",-12}{"predicted",12}{"measured",12}{"error",10}"));
        foreach (var (name, p, m, e) in new[] { ("TTFT", v.Predicted.Ttft, v.Measured.Ttft, v.RelativeError.Ttft), ("TPOT", v.Predicted.Tpot, v.Measured.Tpot, v.RelativeError.Tpot), ("E2E", v.Predicted.E2e, v.Measured.E2e, v.RelativeError.E2e) })
        {
            Line(F($"{name + " p50 (s)",-12}{p.P50,12:G4}{m.P50,12:G4}{e.P50,10:P1}"));
            Line(F($"{name + " p90 (s)",-12}{p.P90,12:G4}{m.P90,12:G4}{e.P90,10:P1}"));
            Line(F($"{name + " p99 (s)",-12}{p.P99,12:G4}{m.P99,12:G4}{e.P99,10:P1}"));
        }

        Line(F($"{"tokens/s",-12}{v.Predicted.Throughput,12:G4}{v.Measured.Throughput,12:G4}{v.RelativeError.Throughput,10:P1}"));
        var outside = v.GatedErrors().Where(g => !(Math.Abs(g.Error) <= tolerance)).Select(g => g.Name).ToList();
        Line(outside.Count == 0
            ? F($"PASS: every p50/p90 error within {tolerance:P0}")
            : F($"FAIL: {string.Join(", ", outside)} outside {tolerance:P0}"));
        return s.ToString();
    }

    private static void LatencyTable(StringBuilder s, params (string Name, LatencyStats Stats)[] rows)
    {
        s.Append(F($"{"latency (s)",-12}{"mean",12}{"p50",12}{"p90",12}{"p99",12}{"max",12}")).Append('\n');
        foreach (var (name, st) in rows)
        {
            s.Append(F($"{name,-12}{st.Mean,12:G4}{st.P50,12:G4}{st.P90,12:G4}{st.P99,12:G4}{st.Max,12:G4}")).Append('\n');
        }
    }

    private static void ThroughputAndSlo(StringBuilder s, ServingSummary r)
    {
        void Line(string text) => s.Append(text).Append('\n');
        Line(F($"Throughput         {r.ThroughputTokensPerSecond:N0} output tokens/s, {r.PromptTokensPerSecond:N0} prompt tokens/s, {r.ThroughputRequestsPerSecond:N2} requests/s"));
        Line(F($"Goodput            {r.Goodput:N2} requests/s meeting TTFT <= {r.Slo.TtftSeconds} s and TPOT <= {r.Slo.TpotSeconds} s"));
        Line(F($"SLO attainment     {r.SloAttainment:P2} (target p{r.Slo.Percentile}: {(r.Slo.Met ? "met" : "NOT met")}; TTFT p{r.Slo.Percentile} {r.Slo.TtftAtPercentile:G4} s, TPOT p{r.Slo.Percentile} {r.Slo.TpotAtPercentile:G4} s)"));
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
