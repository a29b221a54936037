using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Domain.Contracts;
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
}
