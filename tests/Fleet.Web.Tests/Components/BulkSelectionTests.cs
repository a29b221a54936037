using Fleet.Application.Inventory;
using Fleet.Web.Components.Pages.Gpus;

namespace Fleet.Web.Tests.Components;

public sealed class BulkSelectionTests
{
    private static readonly string[] s_page = ["A", "B", "C", "D", "E"];

    [Fact]
    public void Toggle_ShiftClickAfterAClick_SelectsTheRangeBetween()
    {
        var selection = new BulkSelection();
        selection.Toggle("B", range: false, s_page);
        selection.Toggle("E", range: true, s_page);
        Assert.Equal(["B", "C", "D", "E"], selection.Serials.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Toggle_ShiftClickOnASelectedCard_ClearsTheRange()
    {
        var selection = new BulkSelection();
        selection.TogglePage(s_page);
        selection.Toggle("D", range: false, s_page);
        selection.Toggle("B", range: true, s_page);
        Assert.Equal(["A", "E"], selection.Serials.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SelectAllMatching_CountsTheFilterNotThePage()
    {
        var selection = new BulkSelection { MatchingCount = 1234 };
        selection.Toggle("A", false, s_page);
        selection.SelectAllMatching();
        Assert.True(selection.AllMatching);
        Assert.Equal(1234, selection.Count);
        Assert.True(selection.Contains("ZZZ"));
    }

    [Fact]
    public void Scope_FilterChanged_ClearsTheSelection()
    {
        var selection = new BulkSelection();
        selection.Scope(new BulkFilter(Status: "Failed"));
        selection.Toggle("A", false, s_page);
        selection.Scope(new BulkFilter(Status: "Failed"));
        Assert.Equal(1, selection.Count);
        selection.Scope(new BulkFilter(Status: "InService"));
        Assert.True(selection.IsEmpty);
    }
}
