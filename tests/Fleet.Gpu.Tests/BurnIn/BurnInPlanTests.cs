using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;

namespace Fleet.Gpu.Tests.BurnIn;

public class BurnInPlanTests
{
    [Theory]
    [InlineData(BurnInLevel.Quick, 30)]
    [InlineData(BurnInLevel.Standard, 720)]
    [InlineData(BurnInLevel.Extended, 1500)]
    public void For_Level_StressTimeMatchesDcgmLikeLevels(BurnInLevel level, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), BurnInPlan.For(level).StressTime);
    }

    [Fact]
    public void For_DurationGiven_OverridesTheLevel()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), BurnInPlan.For(BurnInLevel.Standard, TimeSpan.FromSeconds(90)).StressTime);
    }

    [Fact]
    public void For_NonPositiveDuration_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => BurnInPlan.For(BurnInLevel.Quick, TimeSpan.Zero));
        Assert.Contains("--duration", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForLevel_Extended_AddsLongPatternsToStandard()
    {
        var quick = MemoryPattern.ForLevel(BurnInLevel.Quick, 1).Sum(t => t.Steps.Count);
        var standard = MemoryPattern.ForLevel(BurnInLevel.Standard, 1);
        var extended = MemoryPattern.ForLevel(BurnInLevel.Extended, 1);
        Assert.True(standard.Sum(t => t.Steps.Count) > quick);
        Assert.Contains(extended, t => t.Name == "walkingOnes(x32)");
        Assert.Contains(extended, t => t.Name == "movingInversions(0x80808080)");
        Assert.All(new[] { "ownAddress", "modulo20(0xFFFFFFFF)", "movingInversions(0x00000000)" }, n => Assert.Contains(MemoryPattern.ForLevel(BurnInLevel.Quick, 1), t => t.Name == n));
    }

    [Fact]
    public void MemoryWordIndex_AnyRegion_InsideIt()
    {
        var fault = new FaultPlan(FaultKind.Memory);
        Assert.Equal(2051, fault.MemoryWordIndex(4096)); // 0.5·4096 + 3
        Assert.Equal(0, fault.MemoryWordIndex(1));
    }
}
