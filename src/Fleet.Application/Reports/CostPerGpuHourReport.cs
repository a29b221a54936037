using System.Text.Json;
using Fleet.Application.Finance;
using Fleet.Domain.Finance;
using Fleet.Domain.Models;

namespace Fleet.Application.Reports;

/// <summary>
/// What the cards cost to own and run over a period, per GPU model, datacenter and currency, through the one
/// cost-of-ownership model (<see cref="CostOfOwnership"/>), with cost per GPU-hour and per million tokens at an
/// operating point from the GPU model's latest profile.
/// </summary>
public sealed class CostPerGpuHourReport(FinanceOptions options) : IReport
{
    private static readonly JsonSerializerOptions s_profileJson = new(JsonSerializerDefaults.Web);

    private sealed record Row(string Model, string Datacenter, string Currency, int Cards, double GpuHours, decimal Depreciation, double EnergyKwh,
        string EnergyBasis, decimal? Power, decimal Overhead, decimal? Total, decimal? PerGpuHour, string? ProfileModel, double? TokensPerSecond,
        decimal? PerMillionTokens, ReportQuery Drill) : IReportRow
    {
        string? IReportRow.Currency => Currency;
        ReportQuery? IReportRow.Drill => Drill;
    }

    private static readonly ReportColumn<Row>[] s_columns =
    [
        new("model", "Model", ColumnKind.Text, r => r.Model), new("datacenter", "Datacenter", ColumnKind.Text, r => r.Datacenter),
        new("currency", "Currency", ColumnKind.Text, r => r.Currency), new("cards", "Cards", ColumnKind.Integer, r => r.Cards),
        new("gpu_hours", "GPU-hours", ColumnKind.Number, r => r.GpuHours), new("depreciation", "Depreciation", ColumnKind.Money, r => r.Depreciation, Totals: true),
        new("energy_kwh", "Energy kWh (IT)", ColumnKind.Number, r => r.EnergyKwh), new("energy_basis", "Energy basis", ColumnKind.Text, r => r.EnergyBasis),
        new("power_cost", "Power cost", ColumnKind.Money, r => r.Power, Totals: true), new("overhead", "Overhead", ColumnKind.Money, r => r.Overhead),
        new("total_cost", "Total cost", ColumnKind.Money, r => r.Total, Totals: true),
        new("cost_per_gpu_hour", "Cost per GPU-hour", ColumnKind.Money, r => r.PerGpuHour),
        new("profile_model", "Profiled model", ColumnKind.Text, r => r.ProfileModel),
        new("tokens_per_second", "Tokens/s per card", ColumnKind.Number, r => r.TokensPerSecond),
        new("cost_per_million_tokens", "Cost per million tokens", ColumnKind.Money, r => r.PerMillionTokens),
    ];

    public string Name => ReportService.CostPerGpuHour;

    private sealed class Accumulator
    {
        public int Cards { get; set; }
        public double Hours { get; set; }
        public decimal Depreciation { get; set; }
        public decimal Kwh { get; set; }
        public int Measured { get; set; }
    }

    /// <inheritdoc/>
    public async Task<ReportTable> RunAsync(ReportFacts facts, ReportQuery q, CancellationToken ct)
    {
        var db = facts.Db;
        var asOf = q.AsOf!.Value;
        var from = q.From ?? new DateOnly(asOf.Year, asOf.Month, 1).AddMonths(-1);
        var to = q.To ?? new DateOnly(asOf.Year, asOf.Month, 1).AddDays(-1);
        var fromTime = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var endTime = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var readings = (await db.GpuEnergyReadings.AsNoTracking().Where(r => r.PeriodStart < endTime && r.PeriodEnd > fromTime)
                .Select(r => new { r.GpuId, r.PeriodStart, r.PeriodEnd, r.EnergyKwh }).ToListAsync(ct))
            .GroupBy(r => r.GpuId)
            .ToDictionary(g => g.Key, g => (Kwh: g.Sum(r => r.EnergyKwh), Hours: g.Sum(r => (r.PeriodEnd - r.PeriodStart).TotalHours)));
        var point = (q.OperatingPoint ?? new OperatingPoint(options.DefaultBatch, options.DefaultContext)).Validated();
        var profiles = (await db.StoredProfiles.AsNoTracking().Select(p => new { p.GpuModel, p.Model, p.Json, p.UploadedAt }).ToListAsync(ct))
            .GroupBy(p => p.GpuModel, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.UploadedAt).First(), StringComparer.OrdinalIgnoreCase);

        var groups = new Dictionary<(int Model, int? Dc, string Currency), Accumulator>();
        var selected = facts.Select(q, to).ToList();
        foreach (var c in selected.Where(c => c.UnitCost is not null))
        {
            var begin = c.ReceivedAt!.Value > fromTime ? c.ReceivedAt.Value : fromTime;
            var hours = (endTime - begin).TotalHours;
            if (hours <= 0)
            {
                continue;
            }

            var model = facts.Models[c.ModelId];
            var key = (c.ModelId, c.DatacenterId, c.Currency);
            if (!groups.TryGetValue(key, out var acc))
            {
                groups[key] = acc = new Accumulator();
            }

            var measured = readings.TryGetValue(c.Id, out var r) && r.Hours > 0 ? r : default;
            var card = CostOfOwnership.Card(c.UnitCost!.Value, facts.Start(c)!.Value, model.Terms, from, to, hours, model.TdpW, options.AssumedLoad,
                measured.Hours > 0 ? measured.Kwh : null, measured.Hours > 0 ? measured.Hours : null);
            acc.Cards++;
            acc.Hours += card.Hours;
            acc.Depreciation += card.Depreciation;
            acc.Kwh += card.EnergyKwh;
            acc.Measured += card.Measured ? 1 : 0;
        }

        var rows = new List<Row>();
        foreach (var ((modelId, dcId, currency), acc) in groups.OrderBy(g => facts.Models[g.Key.Model].Name, StringComparer.Ordinal)
                     .ThenBy(g => g.Key.Dc).ThenBy(g => g.Key.Currency, StringComparer.Ordinal))
        {
            var model = facts.Models[modelId];
            var dc = dcId is { } id ? facts.Dcs.GetValueOrDefault(id) : null;
            // Power is billed in the datacenter's currency; the model adds it only to cards bought in that currency.
            var period = CostOfOwnership.Period(acc.Cards, acc.Hours, acc.Depreciation, acc.Kwh, currency, dc?.Power, options.OverheadPerGpuHour);
            var profile = profiles.GetValueOrDefault(model.Name);
            double? tokens = profile is not null && DecodeFitOf(profile.Json) is { } fit ? point.TokensPerSecond(fit) : null;
            rows.Add(new Row(model.Name, dc?.Code ?? "(none)", currency, acc.Cards, Math.Round(acc.Hours, 1), acc.Depreciation, Math.Round((double)acc.Kwh, 1),
                acc.Measured == 0 ? "estimated" : acc.Measured == acc.Cards ? "measured" : "mixed", period.Power, period.Overhead, period.Total, period.PerGpuHour,
                profile?.Model, tokens is { } t ? Math.Round(t, 1) : null, tokens is { } tps ? period.PerMillionTokens(tps) : null,
                q with { Model = model.Name, Datacenter = dc?.Code, Currency = currency, From = from, To = to, Scope = CardScope.Register }));
        }

        return TypedReport.Table(Name, "Cost per GPU-hour", s_columns, rows,
            string.Create(CultureInfo.InvariantCulture,
                $"{from:yyyy-MM-dd} to {to:yyyy-MM-dd}. Energy is measured telemetry where a card has readings (its average draw over its hours), else TDP × {options.AssumedLoad:0.##} load; " +
                $"power cost = energy × datacenter PUE × price per kWh, in the datacenter's currency (left empty where cards were bought in another currency). " +
                $"Overhead {options.OverheadPerGpuHour:0.####} per GPU-hour. Cost per million tokens is at {point}{(q.OperatingPoint is null ? " (the stated default; ask with batch= and context=)" : "")}: " +
                $"tokens/s per card from the decode fit of the GPU model's latest uploaded profile (batch ÷ (a + b·batch·context + c·batch)), every card decoding at that point all its hours; " +
                $"total cost ÷ (GPU-hours × tokens/s × 3,600) × 10⁶.")) with
        {
            Warnings = facts.Warnings(selected.Where(c => c.UnitCost is null), "no depreciation to spread, so they are left out of these rows"),
        };
    }

    /// <summary>The decode fit of a stored profile's JSON; null when it cannot be read.</summary>
    private static DecodeFit? DecodeFitOf(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PerformanceProfile>(json, s_profileJson)?.Decode;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
