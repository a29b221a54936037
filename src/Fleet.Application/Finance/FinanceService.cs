using System.Text.Json;
using Fleet.Application.Procurement;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Models;

namespace Fleet.Application.Finance;

/// <summary>Assumptions the cost reports use where nothing was measured.</summary>
public sealed class FinanceOptions
{
    /// <summary>Share of TDP a card draws on average when no telemetry measured it.</summary>
    public double AssumedLoad { get; set; } = CostOfOwnership.DefaultLoadFactor;
    /// <summary>Decode batch cost per million tokens is stated at when a report is not asked for one.</summary>
    public double DefaultBatch { get; set; } = OperatingPoint.FinanceDefault.Batch;
    /// <summary>Mean context per sequence (tokens) cost per million tokens is stated at when a report is not asked for one.</summary>
    public double DefaultContext { get; set; } = OperatingPoint.FinanceDefault.Context;
    /// <summary>Other costs per GPU-hour (space, network, staff), in the row's currency; 0 leaves them out.</summary>
    public decimal OverheadPerGpuHour { get; set; }
    /// <summary>The month (1–12) a fiscal year starts in; fiscal year N starts in that month of year N.</summary>
    public int FiscalYearStartMonth { get; set; } = 1;
}

public sealed record BudgetItem(int Id, string Datacenter, int FiscalYear, string Currency, decimal Amount, long Version);

public sealed record BudgetRequest(string? Datacenter, int FiscalYear, string? Currency, decimal Amount, long? ExpectedVersion = null);

public sealed record PolicyItem(string Model, int LifeMonths, decimal? SalvageAmount, decimal SalvagePercent, bool IsDefault, long Version);

public sealed record PolicyRequest(int LifeMonths, decimal? SalvageAmount, decimal SalvagePercent, long? ExpectedVersion = null);

/// <summary>A stored profile; <see cref="GpuSerial"/> and <see cref="JobId"/> name the card and profile-campaign job that measured it, when one did.</summary>
public sealed record ProfileItem(int Id, string GpuModel, string Model, string Dtype, double TokensPerSecond, DateTime UploadedAt, string? GpuSerial = null,
    long? JobId = null);

/// <summary>A stored profile with the document it was uploaded as (points, fits, ceilings), for the profiles page.</summary>
public sealed record ProfileDocument(ProfileItem Item, PerformanceProfile Profile);

/// <summary>Finance's editable inputs: budgets, depreciation policies, uploaded inference profiles.</summary>
public sealed class FinanceService(IDbContextFactory<FleetDbContext> contexts, TimeProvider time)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<BudgetItem>> BudgetsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await (from b in db.Budgets.AsNoTracking()
                      join d in db.Datacenters on b.DatacenterId equals d.Id
                      orderby b.FiscalYear descending, d.Code
                      select new BudgetItem(b.Id, d.Code, b.FiscalYear, b.Currency, b.Amount, b.Version)).ToListAsync(ct);
    }

    /// <summary>Sets the budget of a datacenter and fiscal year in a currency (creating it if needed).</summary>
    public async Task<BudgetItem> SetBudgetAsync(BudgetRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Finance, "Editing budgets");
        if (request.FiscalYear is < 2000 or > 2100)
        {
            throw new ValidationException("fiscalYear", string.Create(CultureInfo.InvariantCulture, $"fiscalYear must be between 2000 and 2100, got {request.FiscalYear}."));
        }

        if (request.Amount is < 0 or > 100_000_000_000m)
        {
            throw new ValidationException("amount", string.Create(CultureInfo.InvariantCulture, $"amount must be between 0 and 100,000,000,000, got {request.Amount}."));
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var code = (request.Datacenter ?? "").Trim().ToUpperInvariant();
        var dc = await db.Datacenters.FirstOrDefaultAsync(d => d.Code.ToUpper() == code, ct)
            ?? throw new ValidationException("datacenter", $"Unknown datacenter '{request.Datacenter}'. Known: {string.Join(", ", await db.Datacenters.Select(d => d.Code).ToListAsync(ct))}.");
        if (!CurrencyCode.TryParse(string.IsNullOrWhiteSpace(request.Currency) ? dc.Currency : request.Currency, out var parsedCurrency))
        {
            throw new ValidationException("currency", $"currency must be a three-letter ISO code, got '{request.Currency}'.");
        }

        var currency = parsedCurrency.Value;

        var budget = await db.Budgets.FirstOrDefaultAsync(b => b.DatacenterId == dc.Id && b.FiscalYear == request.FiscalYear && b.Currency == currency, ct);
        var before = budget is null ? null : new { budget.Amount };
        if (budget is null)
        {
            budget = new Budget { DatacenterId = dc.Id, FiscalYear = request.FiscalYear, Currency = currency };
            db.Budgets.Add(budget);
        }
        else if (request.ExpectedVersion is { } v && v != budget.Version)
        {
            throw new ConcurrencyException($"The {dc.Code} {request.FiscalYear} budget was changed by someone else. Reload and try again.");
        }

        budget.Amount = request.Amount;
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(Budget),
            string.Create(CultureInfo.InvariantCulture, $"{dc.Code}/{request.FiscalYear}/{currency}"), before is null ? AuditActions.Create : AuditActions.Update,
            before, new { budget.Amount }));
        await db.SaveOrConflictAsync("The budget", ct);
        return new BudgetItem(budget.Id, dc.Code, budget.FiscalYear, currency, budget.Amount, budget.Version);
    }

    public async Task<IReadOnlyList<PolicyItem>> PoliciesAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var policies = await db.DepreciationPolicies.AsNoTracking().ToDictionaryAsync(p => p.GpuModelId, ct);
        var models = await db.GpuModels.AsNoTracking().OrderBy(m => m.Name).ToListAsync(ct);
        return models.Select(m => policies.TryGetValue(m.Id, out var p)
            ? new PolicyItem(m.Name, p.LifeMonths, p.SalvageAmount, p.SalvagePercent, false, p.Version)
            : new PolicyItem(m.Name, m.DepreciationMonths, null, 0m, true, 0)).ToList();
    }

    /// <summary>Sets a model's depreciation life and salvage floor (an amount, or a percent of cost).</summary>
    public async Task<PolicyItem> SetPolicyAsync(string model, PolicyRequest request, Actor actor, CancellationToken ct = default)
    {
        Access.Require(actor, Roles.Finance, "Editing depreciation policy");
        if (request.LifeMonths is < 1 or > 240)
        {
            throw new ValidationException("lifeMonths", string.Create(CultureInfo.InvariantCulture, $"lifeMonths must be 1 to 240, got {request.LifeMonths}."));
        }

        if (request.SalvagePercent is < 0 or > 100)
        {
            throw new ValidationException("salvagePercent", string.Create(CultureInfo.InvariantCulture, $"salvagePercent must be 0 to 100, got {request.SalvagePercent}."));
        }

        if (request.SalvageAmount is < 0)
        {
            throw new ValidationException("salvageAmount", "salvageAmount cannot be negative.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var gpuModel = await db.GpuModels.FirstOrDefaultAsync(m => m.Name == model, ct) ?? throw new NotFoundException($"No GPU model '{model}'.");
        var policy = await db.DepreciationPolicies.FirstOrDefaultAsync(p => p.GpuModelId == gpuModel.Id, ct);
        object? before = policy is null ? null : new { policy.LifeMonths, policy.SalvageAmount, policy.SalvagePercent };
        if (policy is null)
        {
            policy = new DepreciationPolicy { GpuModelId = gpuModel.Id };
            db.DepreciationPolicies.Add(policy);
        }
        else if (request.ExpectedVersion is { } v && v != policy.Version)
        {
            throw new ConcurrencyException($"The depreciation policy of {model} was changed by someone else. Reload and try again.");
        }

        policy.LifeMonths = request.LifeMonths;
        policy.SalvageAmount = request.SalvageAmount;
        policy.SalvagePercent = request.SalvagePercent;
        db.AuditEntries.Add(AuditLog.Entry(actor, time.GetUtcNow().UtcDateTime, nameof(DepreciationPolicy), model,
            before is null ? AuditActions.Create : AuditActions.Update, before, new { policy.LifeMonths, policy.SalvageAmount, policy.SalvagePercent }));
        await db.SaveOrConflictAsync($"The depreciation policy of {model}", ct);
        return new PolicyItem(model, policy.LifeMonths, policy.SalvageAmount, policy.SalvagePercent, false, policy.Version);
    }

    /// <summary>
    /// Stores an inference profile. The listed throughput is the best measured decode rate (batch ÷ seconds over the
    /// decode points), or the decode fit at batch 1 with a 1,024-token context when no points were kept; cost per
    /// token does not use it but the stored decode fit at an operating point (<see cref="OperatingPoint"/>).
    /// </summary>
    public async Task<ProfileItem> UploadProfileAsync(string json, Actor actor, CancellationToken ct = default)
    {
        var stored = ReadProfile(json, time.GetUtcNow().UtcDateTime);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.StoredProfiles.Add(stored);
        db.AuditEntries.Add(AuditLog.Entry(actor, stored.UploadedAt, nameof(StoredProfile), $"{stored.GpuModel}/{stored.Model}", AuditActions.Create, null,
            new { stored.GpuModel, stored.Model, stored.Dtype, tps = stored.TokensPerSecond }));
        await db.SaveChangesAsync(ct);
        return Item(stored);
    }

    /// <summary>The one server-side check of a <c>fleet.inference-profile/v1</c> upload (the CLI's validator, then the catalog keys); the row to store.</summary>
    internal static StoredProfile ReadProfile(string json, DateTime nowUtc)
    {
        try
        {
            JsonDocument.Parse(json).Dispose();
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The profile is not valid JSON for {PerformanceProfile.CurrentSchema}: {e.Message}");
        }

        // The same check `fleet infer profile --report` makes before it uploads: 422 with every JSON path.
        Fleet.Domain.Contracts.Profiles.InferenceProfileValidator.ThrowIfInvalid(json);
        PerformanceProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize<PerformanceProfile>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The profile is not valid JSON for {PerformanceProfile.CurrentSchema}: {e.Message}");
        }

        if (profile is null)
        {
            throw new ValidationException("body", "The profile is empty.");
        }

        if (profile.Schema != PerformanceProfile.CurrentSchema)
        {
            throw new ValidationException("schema", $"Unsupported schema '{profile.Schema}'; expected {PerformanceProfile.CurrentSchema}.");
        }

        var gpuModel = GpuCatalog.Find(profile.GpuModel)?.Name ?? (string.Equals(profile.GpuModel, "cpu", StringComparison.OrdinalIgnoreCase) ? "cpu" : null)
            ?? throw new ValidationException("gpuModel", $"Unknown GPU model '{profile.GpuModel}'. Known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))}, cpu.");
        if (!ModelPresets.All.Any(m => string.Equals(m.Name, profile.Model, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("model", $"Unknown model '{profile.Model}'. Known: {string.Join(", ", ModelPresets.All.Select(m => m.Name))}.");
        }

        var measured = profile.DecodePoints.Where(p => p.Seconds > 0 && p.Batch > 0).Select(p => p.Batch / p.Seconds).DefaultIfEmpty(0).Max();
        var tps = measured > 0 ? measured : profile.Decode.Evaluate(1024, 1) is var t and > 0 ? 1 / t : 0;
        if (!(tps > 0) || double.IsInfinity(tps))
        {
            throw new ValidationException("decode", "The profile has no usable decode timing (decodePoints or a positive decode fit).");
        }

        return new StoredProfile
        {
            GpuModel = gpuModel, Model = profile.Model, Dtype = profile.Dtype, TokensPerSecond = tps, UploadedAt = nowUtc, Json = json,
        };
    }

    internal static ProfileItem Item(StoredProfile p) =>
        new(p.Id, p.GpuModel, p.Model, p.Dtype, p.TokensPerSecond, p.UploadedAt, p.GpuSerial, p.BurnInJobId);

    public async Task<IReadOnlyList<ProfileItem>> ProfilesAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.StoredProfiles.AsNoTracking().OrderByDescending(p => p.UploadedAt)
            .Select(p => new ProfileItem(p.Id, p.GpuModel, p.Model, p.Dtype, p.TokensPerSecond, p.UploadedAt, p.GpuSerial, p.BurnInJobId)).ToListAsync(ct);
    }

    /// <summary>Every stored profile with its uploaded document, newest upload first; a document that no longer reads is left out.</summary>
    public async Task<IReadOnlyList<ProfileDocument>> ProfileDocumentsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var stored = await db.StoredProfiles.AsNoTracking().OrderByDescending(p => p.UploadedAt).ThenByDescending(p => p.Id).ToListAsync(ct);
        var documents = new List<ProfileDocument>(stored.Count);
        foreach (var p in stored)
        {
            PerformanceProfile? profile;
            try
            {
                profile = JsonSerializer.Deserialize<PerformanceProfile>(p.Json, s_json);
            }
            catch (JsonException)
            {
                continue;
            }

            if (profile is not null)
            {
                documents.Add(new ProfileDocument(Item(p), profile));
            }
        }

        return documents;
    }
}
