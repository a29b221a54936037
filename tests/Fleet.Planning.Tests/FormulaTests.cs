using Fleet.Domain.Models;
using Fleet.Planning.Analytic;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Tests;

public class FormulaTests
{
    /// <summary>Erlang C from its textbook definition, with factorials: fine for small c.</summary>
    private static double NaiveErlangC(int c, double a)
    {
        double sum = 0, term = 1;
        for (var k = 0; k < c; k++)
        {
            sum += term;
            term *= a / (k + 1);
        }

        var top = term * c / (c - a);
        return top / (sum + top);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(8, 7.2)]
    [InlineData(20, 19.5)]
    [InlineData(30, 12)]
    public void ErlangC_SmallSystems_MatchesTextbookFormula(int c, double a)
    {
        Assert.Equal(NaiveErlangC(c, a), Queueing.ErlangC(c, a), 12);
    }

    [Fact]
    public void ErlangC_KnownValues_MatchHandComputation()
    {
        // c = 2, a = 1: P0 = 1/3, C = a^c/c! · c/(c−a) · P0 = 1/2 · 2 · 1/3 = 1/3.
        Assert.Equal(1.0 / 3, Queueing.ErlangC(2, 1), 12);
        Assert.Equal(0.7, Queueing.ErlangC(1, 0.7), 12);
        Assert.Equal(1, Queueing.ErlangC(4, 4));
        Assert.InRange(Queueing.ErlangC(5000, 4900), 0, 1);
    }

    [Fact]
    public void QueueFormulas_SingleServer_AgreeWithEachOther()
    {
        const double lambda = 0.8, service = 1.0;
        var mm1 = Queueing.MmcMeanWait(1, lambda, 1 / service);

        Assert.Equal(0.8 / (1 - 0.8), mm1, 12);
        Assert.Equal(mm1 / 2, Queueing.Md1MeanWait(lambda, service), 12);
        Assert.Equal(mm1, Queueing.Mg1MeanWait(lambda, service, 2 * service * service), 12);
        Assert.Equal(0.8 * Math.Exp(-0.2 * 3), Queueing.MmcWaitTail(1, lambda, 1 / service, 3), 12);
        Assert.Equal(double.PositiveInfinity, Queueing.Md1MeanWait(1.5, 1));
    }

    [Fact]
    public void KvCache_Llama8bOnH100_IsFreeMemoryOverBytesPerToken()
    {
        var model = new ModelSpec(ModelPresets.Llama31_8B, "bf16");
        // 32 layers × 2 (K and V) × 8 KV heads × 128 × 2 bytes = 131,072 bytes per token.
        Assert.Equal(131_072, model.Shape.KvBytesPerToken(2));
        var expected = (long)Math.Floor(((80e9 * 0.9) - (model.Shape.Parameters * 2.0)) / 131_072);

        Assert.Equal(expected, KvCache.CapacityTokens(model, TestScenarios.H100, 1, 0.9));
        Assert.Equal((long)Math.Floor(((2 * 80e9 * 0.9) - (model.Shape.Parameters * 2.0)) / 131_072), KvCache.CapacityTokens(model, TestScenarios.H100, 2, 0.9));
        Assert.True(KvCache.CapacityTokens(new ModelSpec(ModelPresets.Llama31_70B, "bf16"), TestScenarios.H100, 1, 0.9) < 0);
    }

    [Fact]
    public void RooflineFloor_DecodeAtBatchOne_IsBandwidthBound()
    {
        var model = new ModelSpec(ModelPresets.Llama31_8B, "bf16");
        var floor = RooflineStepModel.Floor(model, TestScenarios.H100, 1);

        var seconds = floor.StepSeconds(new StepShape(0, 0, 1, 1000));

        var bytes = (model.Shape.Parameters * 2.0) + (131_072.0 * 1001);
        Assert.Equal(bytes / 3.35e12, seconds, 12);
        Assert.InRange(seconds, 0.0048, 0.0049);
    }

    [Fact]
    public void RooflineFloor_LongPrefill_IsComputeBound()
    {
        var shape = ModelPresets.Llama31_8B;
        var floor = RooflineStepModel.Floor(new ModelSpec(shape, "bf16"), TestScenarios.H100, 1);

        var seconds = floor.StepSeconds(new StepShape(4096, 4096.0 * 4096, 0, 0));

        var flops = (2.0 * shape.ActiveParametersPerToken * 4096) + (2.0 * shape.Layers * shape.Dim * 4096 * 4096);
        Assert.Equal(flops / 989e12, seconds, 12);
    }

    [Fact]
    public void Roofline_EfficienciesAndTensorParallel_ScaleTheFloor()
    {
        var model = new ModelSpec(ModelPresets.Llama31_8B, "bf16");
        var shape = new StepShape(0, 0, 8, 8000);
        var floor = RooflineStepModel.Floor(model, TestScenarios.H100, 1).StepSeconds(shape);

        var derated = new RooflineStepModel(model, TestScenarios.H100, 1, 0.5, 0.5, 0.001).StepSeconds(shape);
        var split = RooflineStepModel.Floor(model, TestScenarios.H100, 4).StepSeconds(shape);

        Assert.Equal((floor * 2) + 0.001, derated, 12);
        Assert.Equal(floor / 4, split, 12);
    }
}
