using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Domain.Contracts;
using Fleet.Domain.Contracts.Profiles;
using Fleet.Domain.Models;
using Json.Schema;

namespace Fleet.Domain.Tests.Contracts;

public class InferenceProfileContractTests
{
    private static readonly Lazy<JsonSchema> s_schema = new(() => JsonSchema.FromText(ContractSchemas.InferenceProfile()));

    private static PerformanceProfile Profile() => new()
    {
        GpuModel = "H100 SXM5 80GB", Device = "NVIDIA H100 80GB HBM3", Model = "llama-3.1-8b", Dtype = "bf16",
        MeasuredAtUtc = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc), ToolVersion = "0.1.0",
        Ceilings = new ProfileCeilings(3.0e12, 7.9e14), Prefill = new QuadraticFit(0.002, 1e-5, 1e-10), Decode = new DecodeFit(0.006, 1e-8, 1e-4),
        Memory = new ProfileMemory(80L << 30, 16L << 30, 131_072, [new MaxBatchPoint(4096, 96)]),
        PrefillPoints = [new PrefillPoint(1, 512, 0.01)], DecodePoints = [new DecodePoint(8, 1024, 0.007)], DecodeMbu = 0.81, PrefillMfu = 0.55,
    };

    [Fact]
    public void Schema_ProfileAsWritten_IsValid()
    {
        var json = JsonSerializer.Serialize(Profile(), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var evaluation = s_schema.Value.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    [Fact]
    public void Schema_WrongVersionOrMissingFit_IsInvalid()
    {
        var node = JsonSerializer.SerializeToNode(Profile(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        var wrong = node.DeepClone().AsObject();
        wrong["schema"] = "fleet.inference-profile/v2";
        Assert.False(s_schema.Value.Evaluate(JsonDocument.Parse(wrong.ToJsonString()).RootElement).IsValid);
        var missing = node.DeepClone().AsObject();
        missing.Remove("decode");
        Assert.False(s_schema.Value.Evaluate(JsonDocument.Parse(missing.ToJsonString()).RootElement).IsValid);
        Assert.Equal(PerformanceProfile.CurrentSchema, JsonNode.Parse(ContractSchemas.InferenceProfile())!["properties"]!["schema"]!["const"]!.GetValue<string>());
    }

    [Fact]
    public void Validate_PerBatchFitsAndRequestOverhead_AreValidBySchemaAndValidator()
    {
        var profile = Profile() with
        {
            DecodeByBatch = [new BatchDecodeFit(1, 0.004, 0), new BatchDecodeFit(2, 0.008, 1e-7)],
            RequestOverheadSeconds = 0.012,
        };
        var json = JsonSerializer.Serialize(profile, new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.True(s_schema.Value.Evaluate(JsonDocument.Parse(json).RootElement).IsValid, json);
        Assert.Empty(InferenceProfileValidator.Validate(json));
        Assert.Equal(profile.DecodeByBatch, JsonSerializer.Deserialize<PerformanceProfile>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.DecodeByBatch);
    }

    [Fact]
    public void Validate_PerBatchFitsOutOfOrderOrNegative_NamesTheEntry()
    {
        var node = JsonSerializer.SerializeToNode(Profile(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        node["decodeByBatch"] = JsonNode.Parse("""[ { "batch": 4, "a": 0.008, "b": 0 }, { "batch": 2, "a": 0.008, "b": 0 }, { "batch": 8, "a": 0.009, "b": -1e-7 } ]""");
        node["requestOverheadSeconds"] = -0.5;

        var errors = InferenceProfileValidator.Validate(node.ToJsonString());

        Assert.Contains("$.decodeByBatch[1].batch: must be a whole number above the previous entry's 4 (got 2)", errors);
        Assert.Contains("$.decodeByBatch[2].b: must be >= 0 (got -1E-07)", errors);
        Assert.Contains("$.requestOverheadSeconds: must be >= 0 (got -0.5)", errors);
        Assert.False(s_schema.Value.Evaluate(JsonDocument.Parse(node.ToJsonString()).RootElement).IsValid);
    }
}
