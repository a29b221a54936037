using Fleet.Application.Planning;
using Fleet.Domain.Models;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Web.Components.Pages.Planning;

/// <summary>One length distribution as the form edits it (every field kept, the kind picks which count).</summary>
public sealed class LengthFields
{
    public string Kind { get; set; } = "uniform";
    public int Value { get; set; } = 256;
    public int Min { get; set; } = 128;
    public int Max { get; set; } = 1024;
    public double Mean { get; set; } = 512;
    public double Stddev { get; set; } = 128;

    public TokenLengthForm ToForm() => Kind switch
    {
        "fixed" => new TokenLengthForm("fixed", Value: Value),
        "uniform" => new TokenLengthForm("uniform", Min: Min, Max: Max),
        "geometric" => new TokenLengthForm("geometric", Mean: Mean),
        _ => new TokenLengthForm(Kind, Mean: Mean, Stddev: Stddev),
    };

    public static LengthFields From(TokenDistribution? d, LengthFields fallback) => d switch
    {
        FixedTokens f => new LengthFields { Kind = "fixed", Value = f.Value },
        UniformTokens u => new LengthFields { Kind = "uniform", Min = u.Min, Max = u.Max },
        NormalTokens n => new LengthFields { Kind = "normal", Mean = n.MeanValue, Stddev = n.Stddev },
        LognormalTokens l => new LengthFields { Kind = "lognormal", Mean = l.MeanValue, Stddev = l.Stddev },
        GeometricTokens g => new LengthFields { Kind = "geometric", Mean = g.Mean },
        _ => fallback,
    };
}

/// <summary>
/// The planner form's editable state: turned into the service's <see cref="ScenarioForm"/>, filled from an uploaded
/// <c>fleet.scenario/v1</c>, checked field by field before anything is sent (the service checks the rest and answers
/// JSON paths, which <see cref="FieldFor"/> maps back to a field).
/// </summary>
public sealed class ScenarioFields
{
    public const string DailyDemand = "daily";
    public const string ConstantDemand = "poisson";
    public const string BurstyDemand = "gamma";

    public string? Name { get; set; }
    public int Seed { get; set; } = 1;
    public double DurationSeconds { get; set; } = 600;
    public string ModelPreset { get; set; } = "llama-3.1-8b";
    public string Dtype { get; set; } = "bf16";
    public string Demand { get; set; } = ConstantDemand;
    public double ArrivalRatePerSecond { get; set; } = 10;
    public double Burstiness { get; set; } = 0.5;
    /// <summary>24 factors, comma-separated, as typed.</summary>
    public string HourlyFactors { get; set; } = string.Join(", ", Enumerable.Repeat("1", 24));
    public LengthFields Prompt { get; set; } = new() { Kind = "uniform", Min = 128, Max = 1024 };
    public LengthFields Output { get; set; } = new() { Kind = "uniform", Min = 50, Max = 350, Value = 200, Mean = 200, Stddev = 50 };
    public double TtftSeconds { get; set; } = 2;
    public double TpotSeconds { get; set; } = 0.1;
    public double Percentile { get; set; } = 99;
    public int MaxBatch { get; set; } = 32;
    public int ChunkedPrefillTokens { get; set; }
    public string Routing { get; set; } = "round-robin";
    public bool Failures { get; set; }
    public double GpuFailuresPerDay { get; set; } = 0.01;
    public double RepairHours { get; set; } = 24;
    /// <summary>Empty for no outage.</summary>
    public string OutageDatacenter { get; set; } = "";
    public double OutageFromSecond { get; set; }
    public double OutageToSecond { get; set; } = 300;
    /// <summary>Empty keeps every in-service model.</summary>
    public string GpuModel { get; set; } = "";
    public int TensorParallel { get; set; } = 1;
    public string Performance { get; set; } = "profile";
    /// <summary>An explicit fleet (from an uploaded scenario); null is today's in-service inventory.</summary>
    public IReadOnlyList<FleetPoolForm>? Fleet { get; set; }

    public static IReadOnlyList<string> Routings { get; } = ["round-robin", "least-outstanding", "shared-queue"];

    public static IReadOnlyList<string> LengthKinds { get; } = ["fixed", "uniform", "normal", "lognormal", "geometric"];

    public ScenarioForm ToForm() => new()
    {
        Name = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(),
        Seed = Seed,
        DurationSeconds = DurationSeconds,
        ModelPreset = ModelPreset,
        Dtype = Dtype,
        ArrivalRatePerSecond = ArrivalRatePerSecond,
        HourlyFactors = Demand == DailyDemand ? ParseFactors(HourlyFactors) : null,
        Burstiness = Demand == BurstyDemand ? Burstiness : null,
        PromptTokens = Prompt.ToForm(),
        OutputTokens = Output.ToForm(),
        TtftSeconds = TtftSeconds,
        TpotSeconds = TpotSeconds,
        Percentile = Percentile,
        MaxBatch = MaxBatch,
        ChunkedPrefillTokens = ChunkedPrefillTokens,
        Routing = Routing,
        GpuFailuresPerDay = Failures ? GpuFailuresPerDay : null,
        RepairHours = RepairHours,
        OutageDatacenter = string.IsNullOrWhiteSpace(OutageDatacenter) ? null : OutageDatacenter,
        OutageFromSecond = OutageFromSecond,
        OutageToSecond = OutageToSecond,
        GpuModel = string.IsNullOrWhiteSpace(GpuModel) ? null : GpuModel,
        TensorParallel = TensorParallel,
        Fleet = Fleet,
        Performance = Performance,
    };

    /// <summary>The form filled from a parsed scenario (an uploaded JSON); its fleet becomes the explicit fleet.</summary>
    public static ScenarioFields FromScenario(Scenario s)
    {
        var fields = new ScenarioFields
        {
            Name = s.Name,
            Seed = s.Seed,
            DurationSeconds = s.DurationSeconds,
            ModelPreset = ModelPresets.Find(s.Model.Shape.Name)?.Name ?? s.Model.Shape.Name,
            Dtype = s.Model.Dtype,
            TtftSeconds = s.Slo.TtftSeconds,
            TpotSeconds = s.Slo.TpotSeconds,
            Percentile = s.Slo.Percentile,
            MaxBatch = s.Scheduler.MaxBatch,
            ChunkedPrefillTokens = s.Scheduler.ChunkedPrefillTokens,
            Routing = s.Scheduler.Routing switch
            {
                RoutingPolicy.LeastOutstanding => "least-outstanding",
                RoutingPolicy.SharedQueue => "shared-queue",
                _ => "round-robin",
            },
            Performance = s.Performance is RooflinePerformance ? "roofline" : "profile",
            Fleet = s.Fleet.Select(p => new FleetPoolForm(p.Datacenter, p.GpuModel.Name, p.Gpus, p.TensorParallel)).ToList(),
            TensorParallel = s.Fleet.Count > 0 ? s.Fleet[0].TensorParallel : 1,
        };
        fields.Prompt = LengthFields.From(s.Workload.PromptTokens, fields.Prompt);
        fields.Output = LengthFields.From(s.Workload.OutputTokens, fields.Output);
        switch (s.Workload.Arrival)
        {
            case PoissonArrival p:
                fields.Demand = ConstantDemand;
                fields.ArrivalRatePerSecond = p.RatePerSecond;
                break;
            case GammaArrival g:
                fields.Demand = BurstyDemand;
                fields.ArrivalRatePerSecond = g.RatePerSecond;
                fields.Burstiness = g.Burstiness;
                break;
            case DailyArrival d:
                fields.Demand = DailyDemand;
                fields.ArrivalRatePerSecond = d.RatePerSecond;
                fields.HourlyFactors = string.Join(", ", d.HourlyFactors.Select(f => f.ToString("0.###", CultureInfo.InvariantCulture)));
                break;
        }

        if (s.Failures is { } f)
        {
            fields.Failures = true;
            fields.GpuFailuresPerDay = f.GpuFailuresPerDay;
            fields.RepairHours = f.RepairHours;
        }

        if (s.Outage is { } o)
        {
            fields.OutageDatacenter = o.Datacenter;
            fields.OutageFromSecond = o.FromSecond;
            fields.OutageToSecond = o.ToSecond;
        }

        return fields;
    }

    /// <summary>What is wrong with the fields as typed, by field key; empty when they can be sent.</summary>
    public Dictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.TryAdd(field, message);
            }
        }

        Check(DurationSeconds is > 0 and <= 30 * 86_400, "duration", "Duration must be more than 0 and at most 30 days (2,592,000 s).");
        Check(ArrivalRatePerSecond is > 0 and <= 1_000_000_000, "rate", "Arrival rate must be more than 0 requests/s.");
        Check(Demand != BurstyDemand || Burstiness > 0, "burstiness", "Burstiness must be more than 0 (1 = Poisson).");
        if (Demand == DailyDemand)
        {
            var factors = ParseFactors(HourlyFactors);
            Check(factors is { Count: 24 } && factors.All(x => x >= 0) && factors.Any(x => x > 0), "hourly",
                "Give 24 hourly factors (comma-separated, each ≥ 0, not all 0).");
        }

        CheckLength(Prompt, "prompt", Check);
        CheckLength(Output, "output", Check);
        Check(TtftSeconds > 0, "ttft", "The TTFT target must be more than 0 s.");
        Check(TpotSeconds > 0, "tpot", "The TPOT target must be more than 0 s.");
        Check(Percentile is > 0 and <= 100, "percentile", "The percentile must be more than 0 and at most 100.");
        Check(MaxBatch is >= 1 and <= 100_000, "maxBatch", "Max batch must be at least 1.");
        Check(ChunkedPrefillTokens >= 0, "chunked", "Chunked prefill tokens must be 0 (off) or more.");
        Check(!Failures || GpuFailuresPerDay > 0, "failures", "GPU failures per day must be more than 0.");
        Check(!Failures || RepairHours > 0, "repair", "Repair time must be more than 0 hours.");
        Check(string.IsNullOrEmpty(OutageDatacenter) || OutageToSecond > OutageFromSecond, "outageTo", "The outage must end after it starts.");
        Check(string.IsNullOrEmpty(OutageDatacenter) || OutageFromSecond >= 0, "outageFrom", "The outage cannot start before second 0.");
        Check(TensorParallel >= 1, "tensorParallel", "Tensor parallelism must be at least 1.");
        return errors;
    }

    /// <summary>The field a scenario error's JSON path points at (the service's and the CLI's errors), or null.</summary>
    public static string? FieldFor(string error)
    {
        var path = error.Split(':', 2)[0].Trim();
        return path switch
        {
            _ when path.StartsWith("$.durationSeconds", StringComparison.Ordinal) => "duration",
            _ when path.StartsWith("$.model.dtype", StringComparison.Ordinal) => "dtype",
            _ when path.StartsWith("$.model", StringComparison.Ordinal) => "model",
            _ when path.StartsWith("$.workload.arrival.ratePerSecond", StringComparison.Ordinal) => "rate",
            _ when path.StartsWith("$.workload.arrival.burstiness", StringComparison.Ordinal) => "burstiness",
            _ when path.StartsWith("$.workload.arrival.hourlyFactors", StringComparison.Ordinal) => "hourly",
            _ when path.StartsWith("$.workload.promptTokens", StringComparison.Ordinal) => "prompt",
            _ when path.StartsWith("$.workload.outputTokens", StringComparison.Ordinal) => "output",
            _ when path.StartsWith("$.slo.ttftSeconds", StringComparison.Ordinal) => "ttft",
            _ when path.StartsWith("$.slo.tpotSeconds", StringComparison.Ordinal) => "tpot",
            _ when path.StartsWith("$.slo.percentile", StringComparison.Ordinal) => "percentile",
            _ when path.StartsWith("$.scheduler.maxBatch", StringComparison.Ordinal) => "maxBatch",
            _ when path.StartsWith("$.scheduler.chunkedPrefillTokens", StringComparison.Ordinal) => "chunked",
            _ when path.StartsWith("$.scheduler.routing", StringComparison.Ordinal) => "routing",
            _ when path.StartsWith("$.failures.repairHours", StringComparison.Ordinal) => "repair",
            _ when path.StartsWith("$.failures", StringComparison.Ordinal) => "failures",
            _ when path.StartsWith("$.outage.fromSecond", StringComparison.Ordinal) => "outageFrom",
            _ when path.StartsWith("$.outage.toSecond", StringComparison.Ordinal) => "outageTo",
            _ when path.StartsWith("$.outage", StringComparison.Ordinal) => "outage",
            _ when path.StartsWith("$.fleet", StringComparison.Ordinal) => "fleet",
            _ => null,
        };
    }

    private static void CheckLength(LengthFields l, string field, Action<bool, string, string> check)
    {
        var label = field == "prompt" ? "Prompt" : "Output";
        switch (l.Kind)
        {
            case "fixed":
                check(l.Value >= 1, field, $"{label} length must be at least 1 token.");
                break;
            case "uniform":
                check(l.Min >= 1 && l.Max >= l.Min, field, $"{label} lengths: min must be at least 1 and max at least min.");
                break;
            case "geometric":
                check(l.Mean >= 1, field, $"{label} mean length must be at least 1 token.");
                break;
            default:
                check(l.Mean >= 1 && l.Stddev >= 0, field, $"{label} lengths: mean at least 1 token, standard deviation 0 or more.");
                break;
        }
    }

    private static List<double>? ParseFactors(string text)
    {
        var parts = text.Split([',', ';', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new List<double>(parts.Length);
        foreach (var p in parts)
        {
            if (!double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            {
                return null;
            }

            values.Add(v);
        }

        return values;
    }
}
