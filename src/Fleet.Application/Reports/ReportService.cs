using Fleet.Application.Finance;

namespace Fleet.Application.Reports;

/// <summary>
/// Finance's reports by name: one <see cref="IReport"/> class per report over the shared <see cref="ReportFacts"/>,
/// computed set-based (one projection query per table, then in-memory grouping, never a query per card). Money stays
/// per currency throughout; every cost figure comes from <see cref="Domain.Finance.CostOfOwnership"/>.
/// </summary>
public sealed class ReportService
{
    public const string AssetRegister = "asset-register";
    public const string DepreciationSchedule = "depreciation-schedule";
    public const string Capex = "capex";
    public const string BudgetVsActual = "budget-vs-actual";
    public const string CostPerGpuHour = "cost-per-gpu-hour";
    public const string Warranties = "warranties";
    public const string RmaCredits = "rma-credits";

    private readonly IDbContextFactory<FleetDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, IReport> _reports;

    public ReportService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time, FinanceOptions options)
    {
        _contexts = contexts;
        _time = time;
        IReport[] reports =
        [
            new AssetRegisterReport(), new DepreciationScheduleReport(), new CapexReport(), new BudgetVsActualReport(options),
            new CostPerGpuHourReport(options), new WarrantiesReport(), new RmaCreditsReport(),
        ];
        _reports = reports.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    public static IReadOnlyList<string> Names { get; } =
        [AssetRegister, DepreciationSchedule, Capex, BudgetVsActual, CostPerGpuHour, Warranties, RmaCredits];

    /// <summary>The fiscal year a date falls in, when fiscal year N starts in month <paramref name="startMonth"/> of year N.</summary>
    public static int FiscalYear(DateOnly date, int startMonth) => date.Month >= startMonth ? date.Year : date.Year - 1;

    /// <summary>Computes the report called <paramref name="name"/>; an unknown name is a NotFound listing the valid ones.</summary>
    public async Task<ReportTable> RunAsync(string name, ReportQuery query, CancellationToken ct = default)
    {
        if (!_reports.TryGetValue(name, out var report))
        {
            throw new NotFoundException($"Unknown report '{name}'. Valid reports: {string.Join(", ", Names)}.");
        }

        if (query.From is { } f && query.To is { } t && f > t)
        {
            throw new ValidationException("from", $"from ({f:yyyy-MM-dd}) is after to ({t:yyyy-MM-dd}).");
        }

        await using var db = await _contexts.CreateDbContextAsync(ct);
        var facts = await ReportFacts.LoadAsync(db, ct);
        var q = query with { AsOf = query.AsOf ?? DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime) };
        facts.CheckFilters(q);
        return await report.RunAsync(facts, q, ct);
    }
}
