using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Domain.Models;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

public sealed class ScenarioParserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Valid = """
        {
          "schema": "fleet.scenario/v1",
          "seed": 5,
          "durationSeconds": 60,
          "model": { "preset": "llama-3.1-8b", "dtype": "bf16" },
          "fleet": [ { "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 8, "tensorParallel": 2 } ],
          "performance": { "source": "roofline" },
          "workload": {
            "arrival": { "kind": "poisson", "ratePerSecond": 10 },
            "promptTokens": { "kind": "uniform", "min": 10, "max": 20 },
            "outputTokens": { "kind": "geometric", "mean": 50 }
          },
          "scheduler": { "maxBatch": 32 },
          "slo": { "ttftSeconds": 1, "tpotSeconds": 0.1 }
        }
        """;

    /// <summary>The valid scenario with one JSON node replaced (null removes it).</summary>
    private static string Edit(string path, JsonNode? value)
    {
        var root = JsonNode.Parse(Valid)!;
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            node = part.EndsWith(']') ? node[part[..part.IndexOf('[')]]![int.Parse(part[(part.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[part]!;
        }

        if (value is null)
        {
            node.AsObject().Remove(parts[^1]);
        }
        else
        {
            node[parts[^1]] = value;
        }

        return root.ToJsonString();
    }

    private static IReadOnlyList<string> Errors(string json, string? baseDirectory = null) =>
        Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(json, baseDirectory)).Errors;

    [Fact]
    public void Parse_ValidScenario_ReadsEverySection()
    {
        var s = ScenarioParser.Parse(Valid);

        Assert.Equal(5, s.Seed);
        Assert.Equal(ModelPresets.Llama31_8B, s.Model.Shape);
        Assert.Equal(2, s.Model.BytesPerElement);
        Assert.Equal(4, s.Fleet[0].Replicas);
        Assert.Equal(new RooflinePerformance(0.6, 0.75, 0), s.Performance);
        Assert.Equal(new PoissonArrival(10), s.Workload.Arrival);
        Assert.Equal(new UniformTokens(10, 20), s.Workload.PromptTokens);
        Assert.Equal(RoutingPolicy.RoundRobin, s.Scheduler.Routing);
        Assert.Equal(99, s.Slo.Percentile);
    }

    [Fact]
    public void Parse_ShippedExamples_AreValid()
    {
        var dir = FindUp("src/Fleet.Planning/Examples");
        var files = Directory.GetFiles(dir, "*.json");

        Assert.True(files.Length >= 3);
        foreach (var file in files)
        {
            var scenario = ScenarioParser.Load(file);
            Assert.Equal(Scenario.CurrentSchema, scenario.Schema);
        }
    }

    [Theory]
    [InlineData("workload.arrival.ratePerSecond", "-1", "$.workload.arrival.ratePerSecond: must be > 0")]
    [InlineData("workload.arrival.ratePerSecond", "\"fast\"", "$.workload.arrival.ratePerSecond: must be a number")]
    [InlineData("fleet[0].colour", "\"red\"", "$.fleet[0].colour: unknown field")]
    [InlineData("fleet[0].gpuModel", "\"H900\"", "$.fleet[0].gpuModel: unknown GPU model 'H900'")]
    [InlineData("fleet[0].gpus", "7", "$.fleet[0].gpus: 7 is not a multiple of tensorParallel 2")]
    [InlineData("fleet[0].tensorParallel", "3", "$.fleet[0].tensorParallel: 3 does not divide")]
    [InlineData("model.preset", "\"llama-9\"", "$.model.preset: unknown model 'llama-9'")]
    [InlineData("model.dtype", "\"int3\"", "$.model.dtype: unknown value 'int3'")]
    [InlineData("scheduler.routing", "\"random\"", "$.scheduler.routing: unknown value 'random'")]
    [InlineData("scheduler.maxBatch", "0", "$.scheduler.maxBatch: must be >= 1")]
    [InlineData("scheduler.maxBatch", "1.5", "$.scheduler.maxBatch: must be an integer")]
    [InlineData("workload.outputTokens.kind", "\"zipf\"", "$.workload.outputTokens.kind: unknown value 'zipf'")]
    [InlineData("workload.promptTokens.max", "5", "$.workload.promptTokens.max: must be >= min (10)")]
    [InlineData("slo.percentile", "100", "$.slo.percentile: must be > 0 and < 100")]
    [InlineData("schema", "\"fleet.scenario/v2\"", "$.schema: unsupported schema")]
    [InlineData("outage", """{ "datacenter": "mars", "fromSecond": 1, "toSecond": 2 }""", "$.outage.datacenter: 'mars' is not a datacenter")]
    [InlineData("outage", """{ "datacenter": "east", "fromSecond": 10, "toSecond": 2 }""", "$.outage.toSecond: must be > fromSecond")]
    [InlineData("failures", """{ "gpuFailuresPerDay": 0.001 }""", "$.failures.repairHours: is required")]
    [InlineData("cost", """{ "currency": "dollars" }""", "$.cost.currency: must be a three-letter ISO code")]
    [InlineData("performance", """{ "source": "fixed", "decodeStepSeconds": 0.01 }""", "$.performance.prefillSecondsPerToken: is required")]
    public void Parse_BadValue_ReportsItsJsonPath(string path, string value, string expected)
    {
        var errors = Errors(Edit(path, JsonNode.Parse(value)));

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("usd1", "$.cost.currency: must be a three-letter ISO code such as USD (got 'usd1')")]
    [InlineData("usd", "$.cost.currency: must be a three-letter ISO code such as USD (got 'usd')")]
    [InlineData("", "$.cost.currency: must not be empty")]
    public void Parse_CurrencyNotAnUpperCaseCode_IsRefusedAsBefore(string currency, string expected)
    {
        var errors = Errors(Edit("cost", JsonNode.Parse($$"""{ "currency": "{{currency}}" }""")));

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("seed", "$.seed: is required")]
    [InlineData("slo", "$.slo: is required")]
    [InlineData("fleet", "$.fleet: is required")]
    [InlineData("durationSeconds", "$.durationSeconds: is required")]
    public void Parse_MissingField_ReportsItsJsonPath(string path, string expected)
    {
        Assert.Contains(expected, Errors(Edit(path, null)));
    }

    [Fact]
    public void Parse_ManyProblems_ReportsAllOfThem()
    {
        var json = Edit("seed", JsonValue.Create("x"));
        json = Edit2(json, "workload.arrival.ratePerSecond", JsonValue.Create(0));
        json = Edit2(json, "scheduler.maxBatch", JsonValue.Create(-4));
        json = Edit2(json, "extra", JsonValue.Create(true));

        var errors = Errors(json);

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("$.seed:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.workload.arrival.ratePerSecond:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.scheduler.maxBatch:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.extra: unknown field", StringComparison.Ordinal));
    }

    private static string Edit2(string json, string path, JsonNode value)
    {
        var root = JsonNode.Parse(json)!;
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            node = node[part]!;
        }

        node[parts[^1]] = value;
        return root.ToJsonString();
    }

    [Fact]
    public void Parse_DuplicateField_IsAnError()
    {
        var json = Valid.Replace("\"seed\": 5,", "\"seed\": 5, \"seed\": 6,", StringComparison.Ordinal);

        Assert.Contains("$.seed: appears more than once", Errors(json));
    }

    [Fact]
    public void Parse_BrokenJson_ReportsLine()
    {
        var errors = Errors("{\n  \"seed\": 1,\n  \"model\": \n}");

        Assert.Single(errors);
        Assert.StartsWith("$: not valid JSON (line 4", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WeightsLargerThanGpu_SaysRaiseTensorParallel()
    {
        var json = Edit("model.preset", JsonValue.Create("llama-3.1-70b"));
        json = Edit2(json, "fleet", JsonNode.Parse("""[{ "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 1 }]""")!);

        var errors = Errors(json);

        Assert.Contains(errors, e => e.StartsWith("$.fleet[0]: llama-3.1-70b weights (141.1 GB in bf16) do not fit", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ExplicitShape_BuildsIt()
    {
        var json = Edit("model", JsonNode.Parse("""
            { "shape": { "name": "tiny", "dim": 512, "hiddenDim": 1024, "layers": 4, "heads": 8, "kvHeads": 2, "vocabSize": 1000, "maxContext": 2048 }, "dtype": "fp16" }
            """));

        var s = ScenarioParser.Parse(json);

        Assert.Equal(new ModelShape("tiny", 512, 1024, 4, 8, 2, 1000, 2048, false), s.Model.Shape);
        Assert.Contains("$.model.shape: Model shape: heads 8 is not a multiple of kvHeads 3.",
            Errors(json.Replace("\"kvHeads\":2", "\"kvHeads\":3", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parse_DailyProfile_NeedsTwentyFourFactors()
    {
        var ok = Edit("workload.arrival", JsonNode.Parse($$"""{ "kind": "daily", "ratePerSecond": 5, "hourlyFactors": [{{string.Join(",", Enumerable.Repeat("1", 24))}}] }"""));
        var bad = Edit("workload.arrival", JsonNode.Parse("""{ "kind": "daily", "ratePerSecond": 5, "hourlyFactors": [1, 2, -3] }"""));

        Assert.IsType<DailyArrival>(ScenarioParser.Parse(ok).Workload.Arrival);
        var errors = Errors(bad);
        Assert.Contains("$.workload.arrival.hourlyFactors: must hold 24 numbers (one per hour), got 3", errors);
        Assert.Contains(errors, e => e.StartsWith("$.workload.arrival.hourlyFactors[2]: must be >= 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Trace_ReadsFileRelativeToScenarioAndShiftsTimes()
    {
        File.WriteAllText(Path.Combine(_dir, "t.csv"), "arrival_timestamp,prompt_tokens,output_tokens\n100.5,10,3\n101,20,4\n\n103.25,30,5\n");
        var json = Edit("workload", JsonNode.Parse("""{ "arrival": { "kind": "trace", "path": "t.csv" } }""")).Replace("\"durationSeconds\":60,", "", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "s.json"), json);

        var s = ScenarioParser.Load(Path.Combine(_dir, "s.json"));

        var trace = Assert.IsType<TraceArrival>(s.Workload.Arrival);
        Assert.Equal([new TraceEntry(0, 10, 3), new TraceEntry(0.5, 20, 4), new TraceEntry(2.75, 30, 5)], trace.Entries);
        var result = new Simulator().Run(s);
        Assert.Equal(3, result.Completed);
        Assert.Equal(12, result.ThroughputTokensPerSecond * result.MakespanSeconds, 6);
    }

    [Fact]
    public void Parse_TraceWithBadLines_ReportsEachLine()
    {
        File.WriteAllText(Path.Combine(_dir, "t.csv"), "arrival_timestamp,prompt_tokens,output_tokens\n1,10,3\n0.5,10,3\n2,ten,3\n3,10\n");
        var json = Edit("workload", JsonNode.Parse("""{ "arrival": { "kind": "trace", "path": "t.csv" }, "promptTokens": { "kind": "fixed", "value": 3 } }"""));

        var errors = Errors(json, _dir);

        Assert.Contains("$.workload.arrival.path: t.csv line 3: arrival_timestamp 0.5 is earlier than the line before; the trace must be sorted", errors);
        Assert.Contains("$.workload.arrival.path: t.csv line 4: prompt_tokens 'ten' is not an integer >= 1", errors);
        Assert.Contains("$.workload.arrival.path: t.csv line 5: expected 3 fields, got 2", errors);
        Assert.Contains("$.workload.promptTokens: not allowed with a trace: lengths come from the trace file", errors);
    }

    [Fact]
    public void Parse_HandWrittenProfile_IsReadAndCostsSteps()
    {
        // Written by hand the way the inference profiler serializes PerformanceProfile (System.Text.Json web defaults).
        File.WriteAllText(Path.Combine(_dir, "h100.json"), """
            {
              "schema": "fleet.inference-profile/v1",
              "gpuModel": "H100 SXM5 80GB",
              "device": "NVIDIA H100 80GB HBM3",
              "model": "llama-3.1-8b",
              "dtype": "bf16",
              "measuredAtUtc": "2026-11-20T10:00:00Z",
              "ceilings": { "bandwidthBytesPerSecond": 2.9e12, "matmulFlopsPerSecond": 7.3e14 },
              "prefill": { "a": 0.004, "b": 2.5e-5, "c": 1e-9 },
              "decode": { "a": 0.0065, "b": 4e-8, "c": 5e-5 },
              "memory": { "deviceMemoryBytes": 85899345920, "weightBytes": 16060522496, "kvBytesPerToken": 131072, "maxBatch": [ { "context": 4096, "maxBatch": 120 } ] },
              "prefillPoints": [ { "batch": 1, "promptTokens": 512, "seconds": 0.0171 } ],
              "decodePoints": [ { "batch": 8, "context": 1024, "seconds": 0.0073 } ],
              "decodeMbu": 0.81,
              "prefillMfu": 0.62
            }
            """);
        var json = Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "h100.json" }"""));
        json = Edit2(json, "fleet", JsonNode.Parse("""[{ "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 2 }]""")!);

        var s = ScenarioParser.Parse(json, _dir);

        var profile = Assert.IsType<ProfilePerformance>(s.Performance).Profile;
        Assert.Equal(0.81, profile.DecodeMbu);
        Assert.Equal(120, profile.Memory.MaxBatch[0].MaxBatch);
        var model = StepCostModels.For(s, s.Fleet[0]);
        Assert.Equal(0.004 + (2.5e-5 * 512) + (1e-9 * 512 * 512), model.StepSeconds(new StepShape(512, 512 * 512, 0, 0)), 12);
        Assert.Equal(0.0065 + (4e-8 * 8000) + (5e-5 * 8), model.StepSeconds(new StepShape(0, 0, 8, 8000)), 12);
        Assert.True(new Simulator().Run(s).Completed > 0);
    }

    [Fact]
    public void Parse_ProfileWithPerBatchFitsAndRequestOverhead_CostsPerBatchAndReadsTheOverhead()
    {
        File.WriteAllText(Path.Combine(_dir, "h100.json"), """
            {
              "schema": "fleet.inference-profile/v1", "gpuModel": "H100 SXM5 80GB", "model": "llama-3.1-8b", "dtype": "bf16",
              "ceilings": { "bandwidthBytesPerSecond": 2.9e12, "matmulFlopsPerSecond": 7.3e14 },
              "prefill": { "a": 0.004, "b": 2.5e-5, "c": 1e-9 },
              "decode": { "a": 0.001, "b": 0, "c": 0.001 },
              "memory": { "deviceMemoryBytes": 85899345920, "weightBytes": 16060522496, "kvBytesPerToken": 131072, "maxBatch": [] },
              "decodeByBatch": [ { "batch": 1, "a": 0.004, "b": 0 }, { "batch": 2, "a": 0.008, "b": 1e-6 }, { "batch": 8, "a": 0.008, "b": 1e-6 } ],
              "requestOverheadSeconds": 0.02
            }
            """);
        var fleet = JsonNode.Parse("""[{ "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 2 }]""")!;
        var withOverhead = Edit2(Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "h100.json", "requestOverheadSeconds": 0.012 }""")), "fleet", fleet);
        var without = Edit2(Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "h100.json" }""")), "fleet", fleet.DeepClone());
        var negative = Edit2(Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "h100.json", "requestOverheadSeconds": -0.001 }""")), "fleet", fleet.DeepClone());

        var s = ScenarioParser.Parse(withOverhead, _dir);
        var plain = ScenarioParser.Parse(without, _dir);

        var model = StepCostModels.For(s, s.Fleet[0]);
        // Batch 2 at Σctx 1000: 8 ms + 1 µs × 1000 = 9 ms (the one fit would give 3 ms); batch 5 lies on the same line.
        Assert.Equal(0.009, model.StepSeconds(new StepShape(0, 0, 2, 1000)), 12);
        Assert.Equal(0.009, model.StepSeconds(new StepShape(0, 0, 5, 1000)), 12);
        Assert.Equal(0.004, model.StepSeconds(new StepShape(0, 0, 1, 500)), 12);
        Assert.Equal(0.012, StepCostModels.RequestOverheadSeconds(s));
        // The scenario field defaults to 0 whatever the profile measured; `fleet plan validate` takes the profile's.
        Assert.Equal(0, StepCostModels.RequestOverheadSeconds(plain));
        Assert.Equal(0.02, Assert.IsType<ProfilePerformance>(plain.Performance).Profile.RequestOverheadSeconds);
        Assert.Contains("$.performance.requestOverheadSeconds: must be >= 0 and <= 60 (got -0.001)", Errors(negative, _dir));
    }

    [Fact]
    public void Parse_ProfileSerializedByRecord_RoundTrips()
    {
        var written = new PerformanceProfile
        {
            GpuModel = "H100 SXM5 80GB",
            Model = "llama-3.1-8b",
            Dtype = "bf16",
            Ceilings = new ProfileCeilings(3e12, 7.9e14),
            Prefill = new QuadraticFit(0.003, 2e-5, 0),
            Decode = new DecodeFit(0.006, 3e-8, 4e-5),
            Memory = new ProfileMemory(80_000_000_000, 16_000_000_000, 131072, [new MaxBatchPoint(2048, 200)]),
        };
        File.WriteAllText(Path.Combine(_dir, "p.json"), JsonSerializer.Serialize(written, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        var json = Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "p.json" }"""));
        json = Edit2(json, "fleet", JsonNode.Parse("""[{ "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 2 }]""")!);

        var s = ScenarioParser.Parse(json, _dir);

        var read = Assert.IsType<ProfilePerformance>(s.Performance).Profile;
        Assert.Equal(written.Decode, read.Decode);
        Assert.Equal(written.Prefill, read.Prefill);
        Assert.Equal(written.Memory.MaxBatch, read.Memory.MaxBatch);
    }

    [Fact]
    public void Parse_ProfileOfAnotherGpuOrModel_IsRefused()
    {
        File.WriteAllText(Path.Combine(_dir, "p.json"), """
            { "gpuModel": "A100 SXM4 80GB", "model": "mistral-7b", "dtype": "bf16",
              "ceilings": { "bandwidthBytesPerSecond": 1, "matmulFlopsPerSecond": 1 },
              "prefill": { "a": 0.01, "b": 0, "c": 0 }, "decode": { "a": 0.01, "b": 0, "c": 0 },
              "memory": { "deviceMemoryBytes": 1, "weightBytes": 1, "kvBytesPerToken": 1, "maxBatch": [] } }
            """);
        File.WriteAllText(Path.Combine(_dir, "broken.json"), """{ "gpuModel": "A100 SXM4 80GB" }""");
        var json = Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "p.json" }"""));

        var errors = Errors(json, _dir);
        var broken = Errors(Edit("performance", JsonNode.Parse("""{ "source": "profile", "path": "broken.json" }""")), _dir);

        Assert.Contains("$.fleet[0].gpuModel: 'H100 SXM5 80GB' differs from the profile's GPU 'A100 SXM4 80GB'", errors);
        Assert.Contains("$.performance.path: profile measured model 'mistral-7b' but $.model is 'llama-3.1-8b'", errors);
        Assert.Contains("$.fleet[0].tensorParallel: a profile measured on one GPU applies only to tensorParallel 1", errors);
        Assert.Contains(broken, e => e.StartsWith("$.performance.path: ", StringComparison.Ordinal) && e.Contains("is not a valid inference profile", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_InlineProfile_IsReadWithoutAnyFileAndPathPlusProfileIsRefused()
    {
        const string profile = """
            { "schema": "fleet.inference-profile/v1", "gpuModel": "H100 SXM5 80GB", "model": "llama-3.1-8b", "dtype": "bf16",
              "ceilings": { "bandwidthBytesPerSecond": 3e12, "matmulFlopsPerSecond": 7e14 },
              "prefill": { "a": 0.004, "b": 2.5e-5, "c": 0 }, "decode": { "a": 0.0065, "b": 4e-8, "c": 5e-5 },
              "memory": { "deviceMemoryBytes": 85899345920, "weightBytes": 16060522496, "kvBytesPerToken": 131072, "maxBatch": [] } }
            """;
        var fleet = JsonNode.Parse("""[{ "datacenter": "east", "gpuModel": "H100 SXM5 80GB", "gpus": 2 }]""")!;
        var inline = Edit2(Edit("performance", JsonNode.Parse($$"""{ "source": "profile", "profile": {{profile}} }""")), "fleet", fleet);
        var both = Edit2(Edit("performance", JsonNode.Parse($$"""{ "source": "profile", "path": "p.json", "profile": {{profile}} }""")), "fleet", fleet.DeepClone());
        var notObject = Edit2(Edit("performance", JsonNode.Parse("""{ "source": "profile", "profile": 3 }""")), "fleet", fleet.DeepClone());

        var s = ScenarioParser.Parse(inline, Path.Combine(_dir, "no-such-folder"));

        Assert.Equal(0.0065, Assert.IsType<ProfilePerformance>(s.Performance).Profile.Decode.A);
        Assert.Contains("$.performance.path: give either path or an inline profile, not both", Errors(both, _dir));
        Assert.Contains(Errors(notObject, _dir), e => e.StartsWith("$.performance.profile: must be an object", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WorkloadTooLargeToSimulate_IsRefusedUpFront()
    {
        var json = Edit("durationSeconds", JsonValue.Create(1e8));

        Assert.Contains(Errors(json), e => e.StartsWith("$.durationSeconds: the workload would generate about 1E+09 requests; the simulator takes at most 10,000,000", StringComparison.Ordinal));
    }

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(relative);
    }
}
