using Fleet.Application.Finance;
using Fleet.Application.Import;
using Fleet.Application.Procurement;
using Fleet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Web.Tests.Hosting;

public class SettingsTests
{
    [Fact]
    public async Task FleetSettings_FromConfiguration_ReachTheServices()
    {
        await using var app = await new FleetWebFactory(TestDatabase.Sqlite, settings: new Dictionary<string, string>
        {
            ["Fleet:Finance:AssumedLoad"] = "0.55",
            ["Fleet:Finance:FiscalYearStartMonth"] = "4",
            ["Fleet:Procurement:PriceTolerancePercent"] = "2.5",
            ["Fleet:Import:MaxRows"] = "1234",
        }).StartAsync();
        Assert.Equal(0.55, app.Services.GetRequiredService<FinanceOptions>().AssumedLoad);
        Assert.Equal(4, app.Services.GetRequiredService<FinanceOptions>().FiscalYearStartMonth);
        Assert.Equal(2.5m, app.Services.GetRequiredService<ProcurementOptions>().PriceTolerancePercent);
        Assert.Equal(1234, app.Services.GetRequiredService<ImportOptions>().MaxRows);
    }

    [Theory]
    [InlineData("Fleet:Finance:FiscalYearStartMonth", "13", "FiscalYearStartMonth")]
    [InlineData("Database:Provider", "Oracle", "Database:Provider")]
    [InlineData("Fleet:Bootstrap:AdminToken", "short", "AdminToken")]
    public async Task BadSetting_FailsStartupNamingTheKey(string key, string value, string named)
    {
        var factory = new FleetWebFactory(TestDatabase.Sqlite, settings: new Dictionary<string, string> { [key] = value });
        try
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(factory.StartAsync);
            var messages = string.Join(" | ", Chain(ex).Select(e => e.Message));
            Assert.Contains(named, messages, StringComparison.Ordinal);
        }
        finally
        {
            await factory.DisposeAsync();
        }
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException agg)
            {
                foreach (var inner in agg.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
