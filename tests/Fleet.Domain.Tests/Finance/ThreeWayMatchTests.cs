using Fleet.Domain.Procurement;

namespace Fleet.Domain.Tests.Finance;

public class ThreeWayMatchTests
{
    [Fact]
    public void Check_MatchingInvoice_FindsNothing()
    {
        Assert.Empty(ThreeWayMatch.Check([new MatchLine("H100", 10, 10, 100m, 10, 100m)], MatchTolerance.Default));
    }

    [Fact]
    public void Check_InvoicedMoreThanReceived_FlagsReceipts()
    {
        var found = ThreeWayMatch.Check([new MatchLine("H100", 10, 8, 100m, 10, 100m)], MatchTolerance.Default);
        var only = Assert.Single(found);
        Assert.Contains("received 8", only, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PriceWithinOnePercent_PassesAndJustBeyondFlags()
    {
        // 1 % of 100.00 is 1.00: 101.00 is within, 101.01 is not.
        Assert.Empty(ThreeWayMatch.Check([new MatchLine("H100", 1, 1, 100m, 1, 101m)], MatchTolerance.Default));
        var found = ThreeWayMatch.Check([new MatchLine("H100", 1, 1, 100m, 1, 101.01m)], MatchTolerance.Default);
        Assert.Contains("unit price", Assert.Single(found), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_QuantityTolerance_AllowsStatedDifference()
    {
        var tolerance = new MatchTolerance(0m, 1);
        Assert.Empty(ThreeWayMatch.Check([new MatchLine("H100", 10, 9, 100m, 10, 100m)], tolerance));
        Assert.Equal(2, ThreeWayMatch.Check([new MatchLine("H100", 10, 8, 100m, 12, 100m)], tolerance).Count);
    }
}
