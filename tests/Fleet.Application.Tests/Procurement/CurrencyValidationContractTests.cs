using System.Text;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Application.Import;
using Fleet.Application.Procurement;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Application.Tests.Procurement;

/// <summary>Every path that takes a currency checks it through <see cref="Domain.CurrencyCode"/>, each with the message it always had.</summary>
public abstract class CurrencyValidationContractTests(string provider)
{
    private static readonly DateTime s_ordered = new(2024, 1, 5, 0, 0, 0, DateTimeKind.Utc);

    [SkippableTheory]
    [InlineData("usd1")]
    [InlineData("")]
    [InlineData("US")]
    public async Task CreateOrder_CurrencyNotACode_IsRefusedOnTheCurrencyAndWritesNothing(string currency)
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);

        var e = await Assert.ThrowsAsync<ValidationException>(() => world.Orders.CreateAsync(
            new CreateOrderRequest("PO-C", "Supermicro", currency, "IAD1", s_ordered, [new OrderLineRequest("H100 SXM5 80GB", 1, 1m)]), ProcurementWorld.Buyer));

        Assert.Equal("currency", e.Parameter);
        Assert.Equal($"currency must be a three-letter ISO code such as USD or EUR, got '{currency}'.", e.Message);
        await using var db = world.Db();
        Assert.Equal(0, await db.PurchaseOrders.CountAsync());
    }

    [SkippableFact]
    public async Task CreateOrder_LowerCaseCurrency_IsStoredUpperCase()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);

        await world.Orders.CreateAsync(
            new CreateOrderRequest("PO-L", "Supermicro", " eur ", "IAD1", s_ordered, [new OrderLineRequest("H100 SXM5 80GB", 1, 1m)]), ProcurementWorld.Buyer);

        await using var db = world.Db();
        Assert.Equal("EUR", await db.PurchaseOrders.Select(o => o.Currency).SingleAsync());
    }

    [SkippableFact]
    public async Task SetBudget_CurrencyNotACode_IsRefusedOnTheCurrencyAndWritesNothing()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);

        var e = await Assert.ThrowsAsync<ValidationException>(() =>
            world.Finance.SetBudgetAsync(new BudgetRequest("IAD1", 2024, "usd1", 100m), ProcurementWorld.Accountant));

        Assert.Equal("currency", e.Parameter);
        Assert.Equal("currency must be a three-letter ISO code, got 'usd1'.", e.Message);
        await using var db = world.Db();
        Assert.Equal(0, await db.Budgets.CountAsync());
    }

    [SkippableTheory]
    [InlineData("", "EUR")]
    [InlineData("chf", "CHF")]
    public async Task SetBudget_BlankOrLowerCaseCurrency_IsTheDatacentersOrTheUpperCaseCode(string currency, string stored)
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);

        var budget = await world.Finance.SetBudgetAsync(new BudgetRequest("FRA1", 2024, currency, 100m), ProcurementWorld.Accountant);

        Assert.Equal(stored, budget.Currency);
    }

    [SkippableFact]
    public async Task Import_CurrencyNotACode_IsRefusedOnItsLineAndColumnAndWritesNothing()
    {
        await using var world = await ProcurementWorld.CreateAsync(provider);
        var import = new GpuImportService(new TestContextFactory(world.Database), world.Database.Provider, world.Time, new ImportOptions());

        var result = await import.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("serial,model,currency\nSN-1,H100 SXM5 80GB,usd1\n")),
            ImportMode.Insert, false, ProcurementWorld.Buyer);

        var e = Assert.Single(result.Errors);
        Assert.Equal((2, "currency", "usd1", "currency must be a three-letter ISO 4217 code such as USD or EUR."), (e.Line, e.Column, e.Value, e.Message));
        await using var db = world.Db();
        Assert.Equal(0, await db.Gpus.CountAsync());
    }
}

public sealed class SqliteCurrencyValidationTests() : CurrencyValidationContractTests(TestDatabase.Sqlite);

public sealed class PostgresCurrencyValidationTests() : CurrencyValidationContractTests(TestDatabase.Postgres);
