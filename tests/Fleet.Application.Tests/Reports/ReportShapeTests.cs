using Fleet.Application.Reports;

namespace Fleet.Application.Tests.Reports;

public class ReportShapeTests
{
    [Fact]
    public void Reports_OneClassPerName_EachBehindIReport()
    {
        var classes = typeof(IReport).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IReport).IsAssignableFrom(t)).ToList();
        var names = classes.Select(t => t.Name).ToList();

        Assert.Equal(7, classes.Count);
        Assert.Equal(ReportService.Names.Count, classes.Count);
        Assert.Contains("CostPerGpuHourReport", names);
        Assert.Contains("AssetRegisterReport", names);
    }
}
