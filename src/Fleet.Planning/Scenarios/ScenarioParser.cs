using System.Globalization;
using System.Text.Json;
using Fleet.Domain;
using Fleet.Domain.Catalog;
using Fleet.Domain.Models;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Scenarios;

/// <summary>
/// Reads <c>fleet.scenario/v1</c> JSON strictly: unknown fields, missing fields, wrong types, impossible values and
/// unknown names are all collected (not just the first) and thrown together as a <see cref="ScenarioException"/>.
/// </summary>
public static class ScenarioParser
{
    private static readonly string[] s_sources = ["roofline", "profile", "fixed"];
    private static readonly string[] s_arrivalKinds = ["poisson", "gamma", "daily", "trace"];
    private static readonly string[] s_lengthKinds = ["fixed", "uniform", "normal", "lognormal", "geometric"];
    private static readonly string[] s_routings = ["round-robin", "least-outstanding", "shared-queue"];
    private const int MaxTraceErrors = 20;

    private static readonly JsonSerializerOptions s_profileOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Reads a scenario file; relative paths inside it (profile, trace) resolve against its folder.</summary>
    public static Scenario Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException([$"{path}: cannot read the scenario file: {ex.Message}"]);
        }

        return Parse(json, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses scenario JSON; <paramref name="baseDirectory"/> resolves relative file paths (current folder when null).</summary>
    public static Scenario Parse(string json, string? baseDirectory = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ScenarioException([$"$: not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}): {ex.Message.Split(" LineNumber:")[0].Split(" Path:")[0].Trim()}"]);
        }

        using (document)
        {
            var errors = new List<string>();
            var scenario = ReadRoot(document.RootElement, baseDirectory ?? Directory.GetCurrentDirectory(), errors);
            if (errors.Count > 0 || scenario is null)
            {
                throw new ScenarioException(errors.Count > 0 ? errors : ["$: invalid scenario"]);
            }

            return scenario;
        }
    }

    private static Scenario? ReadRoot(JsonElement element, string baseDirectory, List<string> errors)
    {
        var root = JsonObjectReader.Open(element, "$", errors);
        if (root is null)
        {
            return null;
        }

        var schema = root.Text("schema", true);
        if (schema is not null && schema != Scenario.CurrentSchema)
        {
            root.Error("schema", $"unsupported schema '{schema}' (expected '{Scenario.CurrentSchema}')");
        }

        var name = root.Text("name", false);
        root.Get("description", false);
        var seed = root.Integer("seed", true, Bound.Between(int.MinValue, false, int.MaxValue, false));
        var isTrace = IsTrace(element);
        var duration = root.Number("durationSeconds", !isTrace, Bound.Between(0, true, 1e9, false));

        var model = ReadModel(root.Object("model", true), errors);
        var scheduler = ReadScheduler(root.Object("scheduler", true));
        var fleet = ReadFleet(root, model, scheduler, errors);
        var performance = ReadPerformance(root.Object("performance", true), baseDirectory, model, fleet, errors);
        var workload = ReadWorkload(root.Object("workload", true), baseDirectory, duration, isTrace, errors);
        var slo = ReadSlo(root.Object("slo", true));
        var failures = ReadFailures(root.Object("failures", false));
        var outage = ReadOutage(root.Object("outage", false), fleet);
        var cost = ReadCost(root.Object("cost", false));
        root.RejectUnknown();

        if (model is null || fleet is null || performance is null || workload is null || scheduler is null || slo is null
            || seed is null || errors.Count > 0)
        {
            return null;
        }

        var expected = ExpectedRequests(workload.Arrival, duration);
        if (expected > MaxRequests)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"$.durationSeconds: the workload would generate about {expected:G3} requests; the simulator takes at most {MaxRequests:N0} (shorten the duration or lower the rate)"));
            return null;
        }

        var gpus = fleet.Sum(p => (long)p.Gpus);
        if (gpus > MaxGpus)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"$.fleet: {gpus:N0} GPUs in all; the simulator takes at most {MaxGpus:N0}"));
            return null;
        }

        if (duration is null && workload.Arrival is TraceArrival trace)
        {
            duration = trace.Entries[^1].ArrivalSeconds + 1e-9;
        }

        return new Scenario
        {
            Schema = schema!,
            Name = name,
            Seed = (int)seed,
            DurationSeconds = duration!.Value,
            Model = model,
            Fleet = fleet,
            Performance = performance,
            Workload = workload,
            Scheduler = scheduler,
            Slo = slo,
            Failures = failures,
            Outage = outage,
            Cost = cost ?? new CostSpec(),
        };
    }

    /// <summary>Most requests one scenario may generate (about 1.4 GB of simulator state).</summary>
    public const long MaxRequests = 10_000_000;

    /// <summary>Most GPUs one scenario may hold.</summary>
    public const long MaxGpus = 1_000_000;

    private static double ExpectedRequests(ArrivalSpec arrival, double? duration) => arrival switch
    {
        PoissonArrival p => p.RatePerSecond * (duration ?? 0),
        GammaArrival g => g.RatePerSecond * (duration ?? 0),
        DailyArrival d => d.RatePerSecond * d.HourlyFactors.Average() * (duration ?? 0),
        TraceArrival t => t.Entries.Count,
        _ => 0,
    };

    private static bool IsTrace(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("workload", out var w) && w.ValueKind == JsonValueKind.Object
        && w.TryGetProperty("arrival", out var a) && a.ValueKind == JsonValueKind.Object
        && a.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() == "trace";

    private static ModelSpec? ReadModel(JsonObjectReader? r, List<string> errors)
    {
        if (r is null)
        {
            return null;
        }

        var dtype = r.Choice("dtype", true, DtypeInfo.Names);
        ModelShape? shape = null;
        if (r.Has("preset") && r.Has("shape"))
        {
            r.Error("preset", "give either 'preset' or 'shape', not both");
            r.Get("preset", false);
            r.Get("shape", false);
        }
        else if (r.Has("shape"))
        {
            shape = ReadShape(r.Object("shape", true), errors);
            r.Get("preset", false);
        }
        else
        {
            var preset = r.Text("preset", false);
            r.Get("shape", false);
            if (preset is null && !r.Has("preset"))
            {
                r.Error("preset", "is required (or give an explicit 'shape')");
            }
            else if (preset is not null)
            {
                shape = ModelPresets.Find(preset);
                if (shape is null)
                {
                    r.Error("preset", $"unknown model '{preset}' (known: {string.Join(", ", ModelPresets.All.Select(m => m.Name))})");
                }
            }
        }

        r.RejectUnknown();
        return shape is null || dtype is null ? null : new ModelSpec(shape, dtype);
    }

    private static ModelShape? ReadShape(JsonObjectReader? r, List<string> errors)
    {
        if (r is null)
        {
            return null;
        }

        var positive = Bound.Between(1, false, int.MaxValue, false);
        var name = r.Text("name", false) ?? "custom";
        var dim = r.Integer("dim", true, positive);
        var hidden = r.Integer("hiddenDim", true, positive);
        var layers = r.Integer("layers", true, positive);
        var heads = r.Integer("heads", true, positive);
        var kvHeads = r.Integer("kvHeads", true, positive);
        var vocab = r.Integer("vocabSize", true, positive);
        var context = r.Integer("maxContext", true, positive);
        var tied = r.Boolean("tiedEmbeddings", false) ?? false;
        r.RejectUnknown();
        if (dim is null || hidden is null || layers is null || heads is null || kvHeads is null || vocab is null || context is null)
        {
            return null;
        }

        var shape = new ModelShape(name, (int)dim, (int)hidden, (int)layers, (int)heads, (int)kvHeads, (int)vocab, (int)context, tied);
        try
        {
            shape.Validate();
        }
        catch (DomainException ex)
        {
            errors.Add($"{r.Path}: {ex.Message}");
            return null;
        }

        return shape;
    }

    private static SchedulerSpec? ReadScheduler(JsonObjectReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var maxBatch = r.Integer("maxBatch", true, Bound.Between(1, false, 1_000_000, false));
        var kv = r.Integer("kvCacheTokens", false, Bound.Between(1, false, 1e15, false));
        var memory = r.Number("memoryUtilization", false, Bound.Between(0, true, 1, false));
        var chunk = r.Integer("chunkedPrefillTokens", false, Bound.Between(0, false, 10_000_000, false));
        var routing = r.Choice("routing", false, s_routings);
        r.RejectUnknown();
        if (maxBatch is null)
        {
            return null;
        }

        return new SchedulerSpec
        {
            MaxBatch = (int)maxBatch,
            KvCacheTokens = kv,
            MemoryUtilization = memory ?? 0.9,
            ChunkedPrefillTokens = (int)(chunk ?? 0),
            Routing = routing switch
            {
                "least-outstanding" => RoutingPolicy.LeastOutstanding,
                "shared-queue" => RoutingPolicy.SharedQueue,
                _ => RoutingPolicy.RoundRobin,
            },
        };
    }

    private static List<FleetPool>? ReadFleet(JsonObjectReader root, ModelSpec? model, SchedulerSpec? scheduler, List<string> errors)
    {
        if (root.Array("fleet", true) is not { } array)
        {
            return null;
        }

        if (array.GetArrayLength() == 0)
        {
            root.Error("fleet", "must list at least one pool of GPUs");
            return null;
        }

        var pools = new List<FleetPool>();
        var index = 0;
        var ok = true;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"$.fleet[{index++}]";
            var r = JsonObjectReader.Open(item, path, errors);
            if (r is null)
            {
                ok = false;
                continue;
            }

            var datacenter = r.Text("datacenter", true);
            var gpuName = r.Text("gpuModel", true);
            var gpus = r.Integer("gpus", true, Bound.Between(1, false, 10_000_000, false));
            var tp = r.Integer("tensorParallel", false, Bound.Between(1, false, 1024, false)) ?? 1;
            r.RejectUnknown();
            GpuModel? gpu = null;
            if (gpuName is not null)
            {
                gpu = GpuCatalog.Find(gpuName);
                if (gpu is null)
                {
                    r.Error("gpuModel", $"unknown GPU model '{gpuName}' (known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))})");
                }
            }

            if (gpus is not null && gpus % tp != 0)
            {
                r.Error("gpus", $"{gpus} is not a multiple of tensorParallel {tp}");
                ok = false;
            }

            if (model is not null && model.Shape.Heads % tp != 0)
            {
                r.Error("tensorParallel", $"{tp} does not divide {model.Shape.Name}'s {model.Shape.Heads} attention heads");
                ok = false;
            }

            if (gpu is not null && model is not null)
            {
                if (gpu.PeakTflops(model.Precision) is null)
                {
                    r.Error("gpuModel", $"{gpu.Name} has no {model.Dtype} support");
                    ok = false;
                }

                var memoryUtilization = scheduler?.MemoryUtilization ?? 0.9;
                var weights = model.Shape.WeightBytes(model.BytesPerElement);
                var usable = tp * gpu.MemoryGb * 1e9 * memoryUtilization;
                if (weights >= usable)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: {model.Shape.Name} weights ({weights / 1e9:F1} GB in {model.Dtype}) do not fit in {tp} x {gpu.MemoryGb} GB at memoryUtilization {memoryUtilization}; raise tensorParallel"));
                    ok = false;
                }
            }

            if (datacenter is null || gpu is null || gpus is null)
            {
                ok = false;
                continue;
            }

            pools.Add(new FleetPool(datacenter, gpu, (int)gpus, (int)tp));
        }

        return ok ? pools : null;
    }

    private static PerformanceSpec? ReadPerformance(JsonObjectReader? r, string baseDirectory, ModelSpec? model, List<FleetPool>? fleet, List<string> errors)
    {
        if (r is null)
        {
            return null;
        }

        PerformanceSpec? spec = null;
        switch (r.Choice("source", true, s_sources))
        {
            case "roofline":
                {
                    var unit = Bound.Between(0, true, 1, false);
                    var compute = r.Number("computeEfficiency", false, unit);
                    var bandwidth = r.Number("bandwidthEfficiency", false, unit);
                    var overhead = r.Number("stepOverheadSeconds", false, Bound.Between(0, false, 60, false));
                    var defaults = new RooflinePerformance();
                    spec = new RooflinePerformance(compute ?? defaults.ComputeEfficiency, bandwidth ?? defaults.BandwidthEfficiency, overhead ?? 0);
                    break;
                }

            case "fixed":
                {
                    var prefill = r.Number("prefillSecondsPerToken", true, Bound.Between(0, false, 60, false));
                    var decode = r.Number("decodeStepSeconds", true, Bound.Between(0, true, 3600, false));
                    spec = prefill is null || decode is null ? null : new FixedPerformance(prefill.Value, decode.Value);
                    break;
                }

            case "profile":
                {
                    // A profile is a file (path) or inlined (profile), so a scenario built by the web app runs anywhere unchanged.
                    var inline = r.Has("profile");
                    var path = r.Text("path", !inline);
                    var embedded = r.Get("profile", false);
                    var overhead = r.Number("requestOverheadSeconds", false, Bound.Between(0, false, 60, false)) ?? 0;
                    if (inline && path is not null)
                    {
                        r.Error("path", "give either path or an inline profile, not both");
                    }
                    else if (embedded is { } element)
                    {
                        spec = ReadInlineProfile(element, r.Child("profile"), model, fleet, errors) is { } p ? p with { RequestOverheadSeconds = overhead } : null;
                    }
                    else if (path is not null)
                    {
                        spec = ReadProfile(path, r.Child("path"), baseDirectory, model, fleet, errors) is { } p ? p with { RequestOverheadSeconds = overhead } : null;
                    }

                    break;
                }

            default:
                break;
        }

        r.RejectUnknown();
        return spec;
    }

    private static ProfilePerformance? ReadProfile(string path, string jsonPath, string baseDirectory, ModelSpec? model, List<FleetPool>? fleet, List<string> errors)
    {
        var full = Path.GetFullPath(path, baseDirectory);
        PerformanceProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize<PerformanceProfile>(File.ReadAllText(full), s_profileOptions);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{jsonPath}: cannot read profile '{full}': {ex.Message}");
            return null;
        }
        catch (JsonException ex)
        {
            errors.Add($"{jsonPath}: '{full}' is not a valid inference profile: {ex.Message}");
            return null;
        }

        if (profile is null)
        {
            errors.Add($"{jsonPath}: '{full}' holds no profile");
            return null;
        }

        return CheckProfile(profile, full, jsonPath, model, fleet, errors);
    }

    private static ProfilePerformance? ReadInlineProfile(JsonElement element, string jsonPath, ModelSpec? model, List<FleetPool>? fleet, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{jsonPath}: must be an object (a {PerformanceProfile.CurrentSchema} profile), got {JsonObjectReader.Describe(element)}");
            return null;
        }

        PerformanceProfile? profile;
        try
        {
            profile = element.Deserialize<PerformanceProfile>(s_profileOptions);
        }
        catch (JsonException ex)
        {
            errors.Add($"{jsonPath}: not a valid inference profile: {ex.Message}");
            return null;
        }

        return profile is null ? null : CheckProfile(profile, jsonPath, jsonPath, model, fleet, errors);
    }

    private static ProfilePerformance? CheckProfile(PerformanceProfile profile, string full, string jsonPath, ModelSpec? model, List<FleetPool>? fleet, List<string> errors)
    {
        var before = errors.Count;
        if (profile.Schema != PerformanceProfile.CurrentSchema)
        {
            errors.Add($"{jsonPath}: profile schema '{profile.Schema}' is not '{PerformanceProfile.CurrentSchema}'");
        }

        if (model is not null && !string.Equals(profile.Model, model.Shape.Name, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{jsonPath}: profile measured model '{profile.Model}' but $.model is '{model.Shape.Name}'");
        }

        if (model is not null && !string.Equals(profile.Dtype, model.Dtype, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{jsonPath}: profile measured dtype '{profile.Dtype}' but $.model.dtype is '{model.Dtype}'");
        }

        for (var i = 0; fleet is not null && i < fleet.Count; i++)
        {
            if (!string.Equals(fleet[i].GpuModel.Name, profile.GpuModel, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"$.fleet[{i}].gpuModel: '{fleet[i].GpuModel.Name}' differs from the profile's GPU '{profile.GpuModel}'");
            }

            if (fleet[i].TensorParallel != 1)
            {
                errors.Add($"$.fleet[{i}].tensorParallel: a profile measured on one GPU applies only to tensorParallel 1");
            }
        }

        if (profile.DecodeSeconds(0, 1) <= 0 || profile.Prefill.Evaluate(1) <= 0)
        {
            errors.Add($"{jsonPath}: profile fits give non-positive step times (decode at batch 1: {profile.DecodeSeconds(0, 1).ToString("G4", CultureInfo.InvariantCulture)} s)");
        }

        return errors.Count == before ? new ProfilePerformance(full, profile) : null;
    }

    private static WorkloadSpec? ReadWorkload(JsonObjectReader? r, string baseDirectory, double? duration, bool isTrace, List<string> errors)
    {
        if (r is null)
        {
            return null;
        }

        var arrival = ReadArrival(r.Object("arrival", true), baseDirectory, duration, errors);
        TokenDistribution? prompt = null, output = null;
        if (isTrace)
        {
            foreach (var name in new[] { "promptTokens", "outputTokens" })
            {
                if (r.Get(name, false) is not null)
                {
                    r.Error(name, "not allowed with a trace: lengths come from the trace file");
                }
            }
        }
        else
        {
            prompt = ReadLengths(r.Object("promptTokens", true));
            output = ReadLengths(r.Object("outputTokens", true));
        }

        r.RejectUnknown();
        if (arrival is null || (!isTrace && (prompt is null || output is null)))
        {
            return null;
        }

        return new WorkloadSpec(arrival, prompt, output);
    }

    private static ArrivalSpec? ReadArrival(JsonObjectReader? r, string baseDirectory, double? duration, List<string> errors)
    {
        if (r is null)
        {
            return null;
        }

        ArrivalSpec? spec = null;
        var rateBound = Bound.Between(0, true, 1e9, false);
        switch (r.Choice("kind", true, s_arrivalKinds))
        {
            case "poisson":
                spec = r.Number("ratePerSecond", true, rateBound) is { } p ? new PoissonArrival(p) : null;
                break;
            case "gamma":
                {
                    var rate = r.Number("ratePerSecond", true, rateBound);
                    var burstiness = r.Number("burstiness", true, Bound.Between(0, true, 1e6, false));
                    spec = rate is null || burstiness is null ? null : new GammaArrival(rate.Value, burstiness.Value);
                    break;
                }

            case "daily":
                {
                    var rate = r.Number("ratePerSecond", true, rateBound);
                    var factors = new List<double>();
                    var ok = true;
                    if (r.Array("hourlyFactors", true) is { } array)
                    {
                        if (array.GetArrayLength() != 24)
                        {
                            r.Error("hourlyFactors", $"must hold 24 numbers (one per hour), got {array.GetArrayLength()}");
                            ok = false;
                        }

                        var i = 0;
                        foreach (var item in array.EnumerateArray())
                        {
                            var f = JsonObjectReader.ReadNumber(item, $"{r.Child("hourlyFactors")}[{i++}]", Bound.Between(0, false, 1e6, false), errors);
                            ok &= f is not null;
                            factors.Add(f ?? 0);
                        }

                        if (ok && factors.All(f => f == 0))
                        {
                            r.Error("hourlyFactors", "at least one factor must be > 0");
                            ok = false;
                        }
                    }
                    else
                    {
                        ok = false;
                    }

                    spec = rate is null || !ok ? null : new DailyArrival(rate.Value, factors);
                    break;
                }

            case "trace":
                {
                    var path = r.Text("path", true);
                    if (path is not null)
                    {
                        var full = Path.GetFullPath(path, baseDirectory);
                        var entries = TraceReader.Read(full, r.Child("path"), duration, errors, MaxTraceErrors);
                        spec = entries is null ? null : new TraceArrival(full, entries);
                    }

                    break;
                }

            default:
                break;
        }

        r.RejectUnknown();
        return spec;
    }

    private static TokenDistribution? ReadLengths(JsonObjectReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var tokens = Bound.Between(1, false, 10_000_000, false);
        TokenDistribution? d = null;
        switch (r.Choice("kind", true, s_lengthKinds))
        {
            case "fixed":
                d = r.Integer("value", true, tokens) is { } v ? new FixedTokens((int)v) : null;
                break;
            case "uniform":
                {
                    var min = r.Integer("min", true, tokens);
                    var max = r.Integer("max", true, tokens);
                    if (min is not null && max is not null && max < min)
                    {
                        r.Error("max", $"must be >= min ({min}) (got {max})");
                    }
                    else if (min is not null && max is not null)
                    {
                        d = new UniformTokens((int)min, (int)max);
                    }

                    break;
                }

            case "normal":
            case "lognormal":
                {
                    var lognormal = r.Get("kind", false)?.GetString() == "lognormal";
                    var mean = r.Number("mean", true, Bound.Between(lognormal ? 0 : 1, lognormal, 10_000_000, false));
                    var sd = r.Number("stddev", true, Bound.Between(0, false, 10_000_000, false));
                    if (mean is not null && sd is not null)
                    {
                        d = lognormal ? new LognormalTokens(mean.Value, sd.Value) : new NormalTokens(mean.Value, sd.Value);
                    }

                    break;
                }

            case "geometric":
                d = r.Number("mean", true, Bound.Between(1, false, 10_000_000, false)) is { } m ? new GeometricTokens(m) : null;
                break;
            default:
                break;
        }

        r.RejectUnknown();
        return d;
    }

    private static SloSpec? ReadSlo(JsonObjectReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var ttft = r.Number("ttftSeconds", true, Bound.Between(0, true, 86400, false));
        var tpot = r.Number("tpotSeconds", true, Bound.Between(0, true, 3600, false));
        var percentile = r.Number("percentile", false, Bound.Between(0, true, 100, true));
        r.RejectUnknown();
        return ttft is null || tpot is null ? null : new SloSpec(ttft.Value, tpot.Value, percentile ?? 99);
    }

    private static FailureSpec? ReadFailures(JsonObjectReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var rate = r.Number("gpuFailuresPerDay", true, Bound.Between(0, false, 100, false));
        var repair = r.Number("repairHours", true, Bound.Between(0, true, 1e5, false));
        r.RejectUnknown();
        return rate is null || repair is null ? null : new FailureSpec(rate.Value, repair.Value);
    }

    private static OutageSpec? ReadOutage(JsonObjectReader? r, List<FleetPool>? fleet)
    {
        if (r is null)
        {
            return null;
        }

        var datacenter = r.Text("datacenter", true);
        var from = r.Number("fromSecond", true, Bound.NonNegative);
        var to = r.Number("toSecond", true, Bound.NonNegative);
        r.RejectUnknown();
        if (datacenter is not null && fleet is not null && !fleet.Any(p => p.Datacenter == datacenter))
        {
            r.Error("datacenter", $"'{datacenter}' is not a datacenter of $.fleet (known: {string.Join(", ", fleet.Select(p => p.Datacenter).Distinct())})");
            return null;
        }

        if (from is not null && to is not null && to <= from)
        {
            r.Error("toSecond", $"must be > fromSecond ({from.Value.ToString(CultureInfo.InvariantCulture)}) (got {to.Value.ToString(CultureInfo.InvariantCulture)})");
            return null;
        }

        return datacenter is null || from is null || to is null ? null : new OutageSpec(datacenter, from.Value, to.Value);
    }

    private static CostSpec? ReadCost(JsonObjectReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var life = r.Integer("lifeMonths", false, Bound.Between(1, false, 600, false));
        var salvage = r.Number("salvageFraction", false, Bound.Between(0, false, 1, true));
        var pue = r.Number("pue", false, Bound.Between(1, false, 5, false));
        var price = r.Number("pricePerKwh", false, Bound.Between(0, false, 100, false));
        var currency = r.Text("currency", false);
        if (currency is not null && !CurrencyCode.TryParseExact(currency, out _))
        {
            r.Error("currency", $"must be a three-letter ISO code such as USD (got '{currency}')");
        }

        r.RejectUnknown();
        var defaults = new CostSpec();
        return new CostSpec
        {
            LifeMonths = (int?)life,
            SalvageFraction = salvage is { } s ? (decimal)s : defaults.SalvageFraction,
            Pue = pue is { } p ? (decimal)p : defaults.Pue,
            PricePerKwh = price is { } k ? (decimal)k : defaults.PricePerKwh,
            Currency = currency ?? defaults.Currency,
        };
    }
}
