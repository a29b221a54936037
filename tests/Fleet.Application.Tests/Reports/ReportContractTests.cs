using System.Globalization;
using System.Text;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Application.Procurement;
using Fleet.Application.Reports;
using Fleet.Application.Rma;
using Fleet.Application.Tests.Procurement;
using Fleet.Application.Import;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Domain.Finance;
using Fleet.Domain.Inventory;
using Fleet.Domain.Lifecycle;
using Fleet.Testing;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace Fleet.Application.Tests.Reports;

/// <summary>
/// Reports over a small hand-built fleet, every expected figure worked out by hand:
/// A-1 and C-1: H100, 36,000 USD each, IAD1, received 10 Jan 2024 (A-1 in service 15 Jan), life 36 months → 1,000 a month from February.
/// B-1: L40S, 12,000 EUR, FRA1, received 29 Feb 2024, never in service, life 12 months → 1,000 a month from March.
/// The clock stands at 30 June 2024.
/// </summary>
public abstract class ReportContractTests(string provider)
{
    private const string H100 = "H100 SXM5 80GB";
    private const string L40S = "L40S 48GB";
    private static readonly DateOnly s_asOf = new(2024, 6, 30);

    private async Task<ProcurementWorld> FleetAsync()
    {
        var world = await ProcurementWorld.CreateAsync(provider);
        await world.Finance.SetPolicyAsync(H100, new PolicyRequest(36, null, 0m), ProcurementWorld.Accountant);
        await world.Finance.SetPolicyAsync(L40S, new PolicyRequest(12, null, 0m), ProcurementWorld.Accountant);
        await world.SubmittedOrderAsync("PO-A", "USD", "IAD1", new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc), new OrderLineRequest(H100, 2, 36_000m, 36));
        await world.SubmittedOrderAsync("PO-B", "EUR", "FRA1", new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc), new OrderLineRequest(L40S, 1, 12_000m, 24));
        await world.Receiving.ReceiveAsync("PO-A", new ReceiveRequest("A-1\nC-1", new DateTime(2024, 1, 10, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);
        await world.Receiving.ReceiveAsync("PO-B", new ReceiveRequest("B-1", new DateTime(2024, 2, 29, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);
        await using var db = world.Db();
        var a = await db.Gpus.SingleAsync(g => g.Serial == "A-1");
        a.InServiceAt = new DateTime(2024, 1, 15, 9, 0, 0, DateTimeKind.Utc);
        var c = await db.Gpus.SingleAsync(g => g.Serial == "C-1");
        c.WarrantyEndsAt = new DateTime(2024, 7, 20, 0, 0, 0, DateTimeKind.Utc);
        await db.SaveChangesAsync();
        // Arranged in the database: A-1 has been in service (in no host of this small world) since 15 January.
        await db.Gpus.Where(g => g.Serial == "A-1").ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GpuStatus.InService));
        return world;
    }

    /// <summary>Test set-up only: puts a card in a state without walking the lifecycle to it.</summary>
    private static decimal Money(ReportTable t, ReportRow r, string column) => (decimal)r.Cells[t.IndexOf(column)]!;

    private static ReportRow Row(ReportTable t, string column, object value) =>
        t.Rows.Single(r => Equals(r.Cells[t.IndexOf(column)], value));

    [SkippableFact]
    public async Task AssetRegister_AsOfJune_MatchesHandFiguresPerCurrency()
    {
        await using var world = await FleetAsync();

        var t = await world.Reports.RunAsync(ReportService.AssetRegister, new ReportQuery { AsOf = s_asOf });

        Assert.Equal(["A-1", "B-1", "C-1"], t.Rows.Select(r => (string)r.Cells[0]!));
        var a = Row(t, "serial", "A-1");
        Assert.Equal(5_000m, Money(t, a, "accumulated_depreciation"));   // Feb–Jun
        Assert.Equal(31_000m, Money(t, a, "book_value"));
        Assert.Equal(new DateOnly(2024, 1, 15), a.Cells[t.IndexOf("start_date")]);
        var b = Row(t, "serial", "B-1");
        Assert.Equal(4_000m, Money(t, b, "accumulated_depreciation"));   // Mar–Jun
        Assert.Equal(8_000m, Money(t, b, "book_value"));
        Assert.Equal("received", b.Cells[t.IndexOf("start_basis")]);
        Assert.Equal(72_000m, t.Totals.Single(x => x.Column == "cost" && x.Currency == "USD").Amount);
        Assert.Equal(12_000m, t.Totals.Single(x => x.Column == "cost" && x.Currency == "EUR").Amount);
        Assert.Equal(62_000m, t.Totals.Single(x => x.Column == "book_value" && x.Currency == "USD").Amount);
        Assert.Equal(8_000m, t.Totals.Single(x => x.Column == "book_value" && x.Currency == "EUR").Amount);
    }

    [SkippableFact]
    public async Task DepreciationSchedule_Year2024_ChargesByMonthAndDrillsToCards()
    {
        await using var world = await FleetAsync();

        var t = await world.Reports.RunAsync(ReportService.DepreciationSchedule, new ReportQuery { AsOf = s_asOf });

        Assert.DoesNotContain(t.Rows, r => (string)r.Cells[0]! == "2024-01");
        Assert.Equal(11, t.Rows.Count(r => (string)r.Cells[1]! == "IAD1"));   // Feb–Dec
        Assert.Equal(10, t.Rows.Count(r => (string)r.Cells[1]! == "FRA1"));   // Mar–Dec
        Assert.All(t.Rows.Where(r => (string)r.Cells[1]! == "IAD1"), r => Assert.Equal(2_000m, Money(t, r, "depreciation")));
        Assert.Equal(22_000m, t.Totals.Single(x => x.Currency == "USD").Amount);
        Assert.Equal(10_000m, t.Totals.Single(x => x.Currency == "EUR").Amount);

        var march = t.Rows.Single(r => (string)r.Cells[0]! == "2024-03" && (string)r.Cells[1]! == "FRA1");
        var behind = await world.Reports.RunAsync(ReportService.AssetRegister, march.Drill!);
        Assert.Equal("B-1", (string)Assert.Single(behind.Rows).Cells[0]!);
        Assert.Equal(Money(t, march, "depreciation"), behind.Rows.Sum(r => Money(behind, r, "depreciation_in_period")));
    }

    [SkippableFact]
    public async Task Capex_ByMonthDatacenterVendorOrder_KeepsCurrenciesApart()
    {
        await using var world = await FleetAsync();

        var t = await world.Reports.RunAsync(ReportService.Capex, new ReportQuery { AsOf = s_asOf });

        Assert.Equal(2, t.Rows.Count);
        var jan = Row(t, "po_number", "PO-A");
        Assert.Equal(["2024-01", "IAD1", "Supermicro", "PO-A", "USD"], jan.Cells.Take(5).Cast<string>());
        Assert.Equal(2, jan.Cells[5]);
        Assert.Equal(72_000m, Money(t, jan, "amount"));
        Assert.Equal(12_000m, Money(t, Row(t, "po_number", "PO-B"), "amount"));
        var behind = await world.Reports.RunAsync(ReportService.AssetRegister, jan.Drill!);
        Assert.Equal(72_000m, behind.Rows.Sum(r => Money(behind, r, "cost")));
    }

    [SkippableFact]
    public async Task AssetRegisterAndCapex_CardsOffAnyOrderOrWithoutCost_HaveOwnLinesWithWarningsAndReconcile()
    {
        await using var world = await FleetAsync();
        var import = new GpuImportService(new TestContextFactory(world.Database), world.Database.Provider, world.Time, new ImportOptions());
        var imported = await import.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(
            "serial,model,datacenter,po_number,unit_cost,currency,received_at\n" +
            "X-1,H100 SXM5 80GB,IAD1,PO-ZZZ,30000,USD,2024-03-05\n" +
            "X-2,H100 SXM5 80GB,IAD1,,61500,USD,2024-03-20\n" +
            "X-3,H100 SXM5 80GB,IAD1,PO-A,,USD,2024-04-01\n")), ImportMode.Insert, dryRun: false, ProcurementWorld.Buyer);
        Assert.True(imported.Succeeded, string.Join("; ", imported.Errors.Select(e => e.Message)));

        var register = await world.Reports.RunAsync(ReportService.AssetRegister, new ReportQuery { AsOf = s_asOf });
        var capex = await world.Reports.RunAsync(ReportService.Capex, new ReportQuery { AsOf = s_asOf });

        // Register: A-1 and C-1 36,000 each, X-1 30,000, X-2 61,500; X-3 is listed without a cost.
        Assert.Equal(["A-1", "B-1", "C-1", "X-1", "X-2", "X-3"], register.Rows.Select(r => (string)r.Cells[0]!));
        Assert.Equal(163_500m, register.Totals.Single(x => x.Column == "cost" && x.Currency == "USD").Amount);
        // Book values: A-1 and C-1 31,000 (Feb–Jun); X-1 30,000 − 3 × 833.33… = 27,500 and X-2 61,500 − 3 × 1,708.33… = 56,375 (Apr–Jun).
        Assert.Equal(145_875m, register.Totals.Single(x => x.Column == "book_value" && x.Currency == "USD").Amount);
        var x3 = Row(register, "serial", "X-3");
        Assert.Null(x3.Cells[register.IndexOf("cost")]);
        Assert.Null(x3.Cells[register.IndexOf("book_value")]);
        Assert.Contains("no unit cost", (string)x3.Cells[register.IndexOf("warning")]!, StringComparison.Ordinal);
        Assert.Contains("PO-ZZZ matches no purchase order", (string)Row(register, "serial", "X-1").Cells[register.IndexOf("warning")]!, StringComparison.Ordinal);
        Assert.Equal("on no purchase order", Row(register, "serial", "X-2").Cells[register.IndexOf("warning")]);
        Assert.Null(Row(register, "serial", "A-1").Cells[register.IndexOf("warning")]);
        Assert.Equal(3, register.Warnings.Count);

        // Capex: the same 163,500 USD, the three cards on their own lines (X-3's line has no amount).
        Assert.Equal(163_500m, capex.Totals.Single(x => x.Currency == "USD").Amount);
        Assert.Equal(5, capex.Rows.Count);
        var unmatched = Row(capex, "po_number", "PO-ZZZ");
        Assert.Equal((1, 30_000m), ((int)unmatched.Cells[capex.IndexOf("cards")]!, Money(capex, unmatched, "amount")));
        var noOrder = capex.Rows.Single(r => (string)r.Cells[capex.IndexOf("po_number")]! == "");
        Assert.Equal(61_500m, Money(capex, noOrder, "amount"));
        var noCost = capex.Rows.Single(r => r.Cells[capex.IndexOf("amount")] is null);
        Assert.Equal(["2024-04", "IAD1", "Supermicro", "PO-A", "USD"], noCost.Cells.Take(5).Cast<string>());
        Assert.Contains("no unit cost", (string)noCost.Cells[capex.IndexOf("warning")]!, StringComparison.Ordinal);
        Assert.Equal(3, capex.Warnings.Count);
        Assert.Contains(capex.Warnings, w => w.Contains("30,000.00 USD", StringComparison.Ordinal) && w.Contains("PO-ZZZ", StringComparison.Ordinal));

        // Each line's drill-down is exactly its cards.
        Assert.Equal(["X-1"], (await world.Reports.RunAsync(ReportService.AssetRegister, unmatched.Drill!)).Rows.Select(r => (string)r.Cells[0]!));
        Assert.Equal(["X-2"], (await world.Reports.RunAsync(ReportService.AssetRegister, noOrder.Drill!)).Rows.Select(r => (string)r.Cells[0]!));
        Assert.Equal(["X-3"], (await world.Reports.RunAsync(ReportService.AssetRegister, noCost.Drill!)).Rows.Select(r => (string)r.Cells[0]!));
        Assert.Equal(["A-1", "C-1"],
            (await world.Reports.RunAsync(ReportService.AssetRegister, Row(capex, "month", "2024-01").Drill!)).Rows.Select(r => (string)r.Cells[0]!));
    }

    [SkippableFact]
    public async Task Capex_DrillDownOfALaterMonth_ListsOnlyThatMonthsReceipts()
    {
        await using var world = await FleetAsync();
        await world.SubmittedOrderAsync("PO-C", "USD", "IAD1", new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), new OrderLineRequest(H100, 3, 10_000m, 36));
        await world.Receiving.ReceiveAsync("PO-C", new ReceiveRequest("D-1", new DateTime(2024, 3, 10, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);
        await world.Receiving.ReceiveAsync("PO-C", new ReceiveRequest("D-2", new DateTime(2024, 4, 10, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);

        var capex = await world.Reports.RunAsync(ReportService.Capex, new ReportQuery { AsOf = s_asOf });

        var april = Row(capex, "month", "2024-04");
        Assert.Equal(10_000m, Money(capex, april, "amount"));
        var behind = await world.Reports.RunAsync(ReportService.AssetRegister, april.Drill!);
        Assert.Equal(["D-2"], behind.Rows.Select(r => (string)r.Cells[0]!));
        Assert.Equal(10_000m, behind.Totals.Single(t => t.Column == "cost").Amount);
        var all = await world.Reports.RunAsync(ReportService.AssetRegister, capex.Totals.Single(t => t.Currency == "USD").Drill!);
        Assert.Equal(["A-1", "C-1", "D-1", "D-2"], all.Rows.Select(r => (string)r.Cells[0]!));
    }

    [SkippableFact]
    public async Task BudgetVsActual_WithBudget_ShowsRemainingAndPercent()
    {
        await using var world = await FleetAsync();
        await world.Finance.SetBudgetAsync(new BudgetRequest("IAD1", 2024, "USD", 100_000m), ProcurementWorld.Accountant);

        var t = await world.Reports.RunAsync(ReportService.BudgetVsActual, new ReportQuery { AsOf = s_asOf });

        var iad = Row(t, "datacenter", "IAD1");
        Assert.Equal((100_000m, 72_000m, 28_000m, 72.0m),
            (Money(t, iad, "budget"), Money(t, iad, "actual"), Money(t, iad, "remaining"), (decimal)iad.Cells[t.IndexOf("percent_used")]!));
        var fra = Row(t, "datacenter", "FRA1");
        Assert.Null(fra.Cells[t.IndexOf("budget")]);
        Assert.Equal(12_000m, Money(t, fra, "actual"));
        await Assert.ThrowsAsync<ForbiddenException>(() =>
            world.Finance.SetBudgetAsync(new BudgetRequest("IAD1", 2024, "USD", 1m), ProcurementWorld.Buyer));
    }

    [SkippableFact]
    public async Task CostPerGpuHour_June_UsesMeasuredEnergyWhereThereIsSomeAndProfileForTokens()
    {
        await using var world = await FleetAsync();
        await using (var db = world.Db())
        {
            var a = await db.Gpus.SingleAsync(g => g.Serial == "A-1");
            db.GpuEnergyReadings.Add(new GpuEnergyReading
            {
                GpuId = a.Id, PeriodStart = new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc),
                PeriodEnd = new DateTime(2024, 6, 16, 0, 0, 0, DateTimeKind.Utc), EnergyKwh = 200,
            });
            await db.SaveChangesAsync();
        }

        await world.Finance.UploadProfileAsync(ProfileJson(H100, [(1, 0.01), (8, 0.02)]), ProcurementWorld.Tech);

        var t = await world.Reports.RunAsync(ReportService.CostPerGpuHour,
            new ReportQuery { AsOf = s_asOf, From = new DateOnly(2024, 6, 1), To = new DateOnly(2024, 6, 30) });

        // IAD1: 2 cards × 720 h; depreciation 2 × 1,000; energy: A-1 measured 200 kWh over 360 h → 400 kWh for 720 h,
        // C-1 estimated 700 W × 0.7 × 720 h = 352.8 kWh; power (752.8 × 1.35 × 0.08) = 81.3024 → 81.30;
        // total 2,081.30 → 1.4453 per GPU-hour. Tokens at the stated default (batch 32, context 1,024) from the profile's decode fit,
        // not its best measured batch (8 / 0.02 s = 400 tokens/s): t = 0.008 + 0.000001 × 32,768 + 0.0001 × 32 = 0.043968 s → 727.8 tokens/s;
        // 1,440 GPU-hours × 727.802 × 3,600 = 3,772.93 M tokens → 2,081.30 / 3,772.93 = 0.55164 per million tokens.
        var iad = Row(t, "datacenter", "IAD1");
        Assert.Equal(1440.0, iad.Cells[t.IndexOf("gpu_hours")]);
        Assert.Equal(2_000m, Money(t, iad, "depreciation"));
        Assert.Equal(752.8, iad.Cells[t.IndexOf("energy_kwh")]);
        Assert.Equal("mixed", iad.Cells[t.IndexOf("energy_basis")]);
        Assert.Equal(81.30m, Money(t, iad, "power_cost"));
        Assert.Equal(2_081.30m, Money(t, iad, "total_cost"));
        Assert.Equal(1.4453m, Money(t, iad, "cost_per_gpu_hour"));
        Assert.Equal(727.8, iad.Cells[t.IndexOf("tokens_per_second")]);
        Assert.Equal(0.5516m, Money(t, iad, "cost_per_million_tokens"));
        Assert.Contains("batch 32, context 1,024 tokens (the stated default", t.Notes, StringComparison.Ordinal);
        // FRA1: 350 W × 0.7 × 720 h = 176.4 kWh × 1.25 × 0.19 = 41.895 → 41.90; 1,041.90 / 720 = 1.4471; no L40S profile.
        var fra = Row(t, "datacenter", "FRA1");
        Assert.Equal("EUR", fra.Cells[t.IndexOf("currency")]);
        Assert.Equal(41.90m, Money(t, fra, "power_cost"));
        Assert.Equal(1.4471m, Money(t, fra, "cost_per_gpu_hour"));
        Assert.Null(fra.Cells[t.IndexOf("cost_per_million_tokens")]);

        // Asked at batch 4, context 2,048: t = 0.008 + 0.000001 × 8,192 + 0.0001 × 4 = 0.016592 s → 241.08 tokens/s;
        // 1,440 × 241.08 × 3,600 = 1,249.76 M tokens → 2,081.30 / 1,249.76 = 1.66536.
        var asked = await world.Reports.RunAsync(ReportService.CostPerGpuHour, new ReportQuery
        {
            AsOf = s_asOf, From = new DateOnly(2024, 6, 1), To = new DateOnly(2024, 6, 30), OperatingPoint = new OperatingPoint(4, 2048),
        });
        Assert.Equal(1.6654m, Money(asked, Row(asked, "datacenter", "IAD1"), "cost_per_million_tokens"));
        Assert.Contains("batch 4, context 2,048 tokens:", asked.Notes, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Totals_EveryReport_AreTheColumnsThatSayTheyTotalSummedPerCurrency()
    {
        await using var world = await FleetAsync();
        await world.Finance.SetBudgetAsync(new BudgetRequest("IAD1", 2024, "USD", 100_000m), ProcurementWorld.Accountant);

        foreach (var name in ReportService.Names)
        {
            var t = await world.Reports.RunAsync(name, new ReportQuery { AsOf = s_asOf });
            var currency = t.Columns.Any(c => c.Name == "currency") ? t.IndexOf("currency") : -1;
            foreach (var column in t.Columns.Where(c => c.Totals))
            {
                Assert.Equal(ColumnKind.Money, column.Kind);
                var i = t.IndexOf(column.Name);
                foreach (var g in t.Rows.Where(r => r.Cells[i] is decimal).GroupBy(r => (string)r.Cells[currency]!))
                {
                    Assert.Equal(g.Sum(r => (decimal)r.Cells[i]!), t.Totals.Single(x => x.Column == column.Name && x.Currency == g.Key).Amount);
                }
            }

            Assert.All(t.Totals, x => Assert.True(t.Columns.Single(c => c.Name == x.Column).Totals, $"{name}: {x.Column}"));
        }

        // Budget vs actual: 100,000 budgeted and 72,000 spent total; what remains (28,000) is a money column that does not total.
        var budget = await world.Reports.RunAsync(ReportService.BudgetVsActual, new ReportQuery { AsOf = s_asOf });
        Assert.False(budget.Columns.Single(c => c.Name == "remaining").Totals);
        Assert.Equal(["actual", "budget"], budget.Totals.Where(x => x.Currency == "USD").Select(x => x.Column));
    }

    [SkippableFact]
    public async Task Warranties_WithinNinetyDays_ListsOnlyThoseWithWindow()
    {
        await using var world = await FleetAsync();

        var t = await world.Reports.RunAsync(ReportService.Warranties, new ReportQuery { AsOf = s_asOf });

        var row = Assert.Single(t.Rows);
        Assert.Equal("C-1", row.Cells[0]);
        Assert.Equal(20, row.Cells[t.IndexOf("days_left")]);
        Assert.Equal("30 days", row.Cells[t.IndexOf("window")]);
    }

    [SkippableFact]
    public async Task RmaReplacement_WithCredit_ContinuesOriginalScheduleAndLeavesCapexAlone()
    {
        await using var world = await FleetAsync();
        await using (var db = world.Db())
        {
            var a = await db.Gpus.SingleAsync(g => g.Serial == "A-1");
            a.TransitionTo(GpuStatus.Failed, "tess", Roles.Technician, world.Time.GetUtcNow().UtcDateTime, "GEMM mismatches");
            a.Notes = "Burn-in: 3 of 1,024 GEMM results differ.";
            await db.SaveChangesAsync();
        }

        var queue = await world.Rma.QueueAsync();
        Assert.Equal("A-1", Assert.Single(queue.FailedWithoutCase).Serial);
        Assert.StartsWith("In warranty", queue.FailedWithoutCase[0].Warranty, StringComparison.Ordinal);

        var opened = await world.Rma.OpenAsync("A-1", new OpenRmaRequest("GEMM mismatches", null, "SMC-42"), ProcurementWorld.Tech);
        Assert.Equal(GpuStatus.RmaPending, opened.GpuStatus);
        Assert.Equal("Supermicro", opened.Vendor);
        Assert.Contains("GEMM results differ", opened.Evidence, StringComparison.Ordinal);
        Assert.Empty((await world.Rma.QueueAsync()).FailedWithoutCase);
        Assert.Single((await world.Rma.QueueAsync()).OpenCases);

        var shipped = await world.Rma.ShipAsync(opened.Id, new ShipRmaRequest("1Z999"), ProcurementWorld.Tech);
        Assert.Equal(GpuStatus.RmaShipped, shipped.GpuStatus);
        // The vendor's credit is Finance's to record (while the case is open); the technician receives the card.
        await world.Rma.CreditAsync(opened.Id, new CreditRequest(6_000m, "USD"), ProcurementWorld.Accountant);
        var closed = await world.Rma.ReceiveReplacementAsync(opened.Id,
            new ReplacementRequest("A-1R", new DateTime(2024, 6, 20, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Tech);
        Assert.Equal(Domain.Rma.RmaStatus.Closed, closed.Status);
        Assert.Equal(GpuStatus.Returned, closed.GpuStatus);
        Assert.Equal("A-1R", closed.ReplacementSerial);

        var register = await world.Reports.RunAsync(ReportService.AssetRegister, new ReportQuery { AsOf = s_asOf });
        Assert.DoesNotContain(register.Rows, r => (string)r.Cells[0]! == "A-1");
        var replacement = Row(register, "serial", "A-1R");
        // Cost 36,000 − 6,000 = 30,000 from A-1's start (15 Jan): 5 months × 30,000 / 36 = 4,166.666… → 4,166.67.
        Assert.Equal(30_000m, Money(register, replacement, "cost"));
        Assert.Equal(new DateOnly(2024, 1, 15), replacement.Cells[register.IndexOf("start_date")]);
        Assert.Equal(4_166.67m, Money(register, replacement, "accumulated_depreciation"));
        Assert.Equal("replaces A-1", replacement.Cells[register.IndexOf("start_basis")]);

        var capex = await world.Reports.RunAsync(ReportService.Capex, new ReportQuery { AsOf = s_asOf });
        Assert.Equal(72_000m, capex.Totals.Single(x => x.Currency == "USD").Amount);
        var credits = await world.Reports.RunAsync(ReportService.RmaCredits, new ReportQuery { AsOf = s_asOf });
        var credit = Assert.Single(credits.Rows);
        Assert.Equal(6_000m, Money(credits, credit, "credit"));
        Assert.Equal("A-1R", credit.Cells[credits.IndexOf("replacement")]);

        await using var check = world.Db();
        Assert.True(await check.AuditEntries.CountAsync(e => e.EntityType == "Gpu" && e.EntityKey == "A-1" && e.Action == "Transition") >= 3);
        var newCard = await check.Gpus.SingleAsync(g => g.Serial == "A-1R");
        Assert.Equal(GpuStatus.Received, newCard.Status);
        Assert.Equal((await check.Gpus.SingleAsync(g => g.Serial == "A-1")).Id, newCard.ReplacesGpuId);
    }

    [SkippableFact]
    public async Task OpenRma_HealthyCard_IsRefusedNamingItsState()
    {
        await using var world = await FleetAsync();

        var e = await Assert.ThrowsAsync<DomainException>(() => world.Rma.OpenAsync("C-1", new OpenRmaRequest("looks odd"), ProcurementWorld.Tech));

        Assert.Contains("Received", e.Message, StringComparison.Ordinal);
        await using var db = world.Db();
        Assert.Equal(0, await db.RmaCases.CountAsync());
        await Assert.ThrowsAsync<ForbiddenException>(() => world.Rma.OpenAsync("C-1", new OpenRmaRequest("x"), ProcurementWorld.Viewer));
    }

    [SkippableFact]
    public async Task RunAsync_UnknownNameOrReversedDates_AreClearErrors()
    {
        await using var world = await FleetAsync();

        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => world.Reports.RunAsync("profit", new ReportQuery()));
        var reversed = await Assert.ThrowsAsync<ValidationException>(() => world.Reports.RunAsync(ReportService.Capex,
            new ReportQuery { From = new DateOnly(2024, 5, 1), To = new DateOnly(2024, 4, 1) }));
        var dc = await Assert.ThrowsAsync<ValidationException>(() => world.Reports.RunAsync(ReportService.Capex, new ReportQuery { Datacenter = "MARS" }));

        Assert.Contains("asset-register", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("rma-credits", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("from", reversed.Parameter);
        Assert.Equal("datacenter", dc.Parameter);
    }

    [SkippableFact]
    public async Task Export_CsvAndXlsx_AreFormulaSafeWithRawNumbers()
    {
        await using var world = await FleetAsync();
        await world.Vendors.SaveAsync(null, new VendorRequest("=HYPERLINK(\"http://x\")", null, null), ProcurementWorld.Buyer);
        await world.Orders.CreateAsync(new CreateOrderRequest("PO-X", "=HYPERLINK(\"http://x\")", "USD", "IAD1",
            new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), [new OrderLineRequest(H100, 1, 1_234.5m)]), ProcurementWorld.Buyer);
        await world.Orders.SubmitAsync("PO-X", ProcurementWorld.Buyer);
        await world.Receiving.ReceiveAsync("PO-X", new ReceiveRequest("X-9", new DateTime(2024, 3, 2, 0, 0, 0, DateTimeKind.Utc)), ProcurementWorld.Buyer);
        var t = await world.Reports.RunAsync(ReportService.AssetRegister, new ReportQuery { AsOf = s_asOf, PoNumber = "PO-X" });

        using var csv = new MemoryStream();
        await ReportExporter.WriteCsvAsync(t, csv, CancellationToken.None);
        var bytes = csv.ToArray();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("serial,model,datacenter,vendor,po_number,status,cost,currency,start_date", lines[0], StringComparison.Ordinal);
        Assert.Contains("'=HYPERLINK", lines[1], StringComparison.Ordinal);
        var cells = lines[1].Split(',');
        var costIndex = t.IndexOf("cost");
        Assert.Equal(1_234.5m, decimal.Parse(cells[^(t.Columns.Count - costIndex)], CultureInfo.InvariantCulture));
        Assert.Contains(",2024-03-02,", lines[1], StringComparison.Ordinal);

        // Over budget: 60,000 budgeted, 72,000 + 1,234.50 (PO-X) spent → remaining −13,234.50, a raw number, not escaped text.
        await world.Finance.SetBudgetAsync(new BudgetRequest("IAD1", 2024, "USD", 60_000m), ProcurementWorld.Accountant);
        var budget = await world.Reports.RunAsync(ReportService.BudgetVsActual, new ReportQuery { AsOf = s_asOf, Datacenter = "IAD1" });
        using var budgetCsv = new MemoryStream();
        await ReportExporter.WriteCsvAsync(budget, budgetCsv, CancellationToken.None);
        var budgetLine = Encoding.UTF8.GetString(budgetCsv.ToArray()[3..]).Split("\r\n")[1].Split(',');
        Assert.Equal(-13_234.5m, decimal.Parse(budgetLine[budget.IndexOf("remaining")], CultureInfo.InvariantCulture));

        using var xlsx = new MemoryStream();
        await ReportExporter.WriteXlsxAsync(t, xlsx, CancellationToken.None);
        xlsx.Position = 0;
        var sheet = xlsx.Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        var only = Assert.Single(sheet);
        Assert.Equal("X-9", only["serial"]);
        Assert.Equal(1_234.5, Convert.ToDouble(only["cost"], CultureInfo.InvariantCulture));
        Assert.StartsWith("=HYPERLINK", (string)only["vendor"], StringComparison.Ordinal);
    }

    internal static string ProfileJson(string gpuModel, (int Batch, double Seconds)[] decode) =>
        $$"""
        {"schema":"fleet.inference-profile/v1","gpuModel":"{{gpuModel}}","model":"llama-3.1-8b","dtype":"bf16",
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
         "decodePoints":[{{string.Join(",", decode.Select(d => string.Create(CultureInfo.InvariantCulture, $"{{\"batch\":{d.Batch},\"context\":1024,\"seconds\":{d.Seconds}}}")))}}]}
        """;
}

public sealed class SqliteReportTests() : ReportContractTests(TestDatabase.Sqlite);

public sealed class PostgresReportTests() : ReportContractTests(TestDatabase.Postgres);
