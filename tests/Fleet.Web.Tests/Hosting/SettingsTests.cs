using Fleet.Application.Finance;
using Fleet.Application.Import;
using Fleet.Application.Procurement;
using Fleet.Data;
using Fleet.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

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
    [InlineData("Fleet:Inventory:ExactCountLimit", "-1", "Fleet:Inventory:ExactCountLimit")]
    [InlineData("Fleet:Import:MaxRows", "0", "Fleet:Import:MaxRows")]
    [InlineData("Fleet:BurnIn:LeaseSeconds", "0", "Fleet:BurnIn:LeaseSeconds")]
    [InlineData("Fleet:Procurement:QuantityTolerance", "-1", "Fleet:Procurement:QuantityTolerance")]
    [InlineData("Fleet:Money:Culture", "xx-NOPE-qq", "Fleet:Money:Culture")]
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

    [Fact]
    public void DefaultSqliteDatabase_ContentRootWithSemicolon_IsTheDataFolderFile()
    {
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"fleet;root={Guid.NewGuid():N}")).FullName;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, EnvironmentName = "Production" });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = "sqlite",
                ["ConnectionStrings:Fleet"] = "",
            });
            builder.AddFleetDatabase();
            using var app = builder.Build();
            using var db = app.Services.GetRequiredService<IDbContextFactory<FleetDbContext>>().CreateDbContext();

            Assert.Equal(Path.Combine(root, "data", "fleet.db"), new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource);
            Assert.Equal(DatabaseProviderNames.Sqlite, app.Services.GetRequiredService<IDatabaseProvider>().Name);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
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
