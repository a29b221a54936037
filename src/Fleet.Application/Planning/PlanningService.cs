using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Application.Procurement;
using Fleet.Domain.Catalog;
using Fleet.Domain.Finance;
using Fleet.Domain.Lifecycle;
using Fleet.Domain.Planning;
using Fleet.Planning.Capacity;
using Fleet.Planning.Scenarios;

namespace Fleet.Application.Planning;

/// <inheritdoc cref="IPlanningService"/>
public sealed class PlanningService(
    IDbContextFactory<FleetDbContext> contexts, PlanQueue queue, PurchaseOrderService orders, TimeProvider time) : IPlanningService
{
    /// <summary>The largest scenario accepted (an inlined profile with its points fits well within it).</summary>
    public const int MaxScenarioChars = 1024 * 1024;

    /// <summary>
    /// Scenarios run in the app may not name files (profile or trace paths are refused before parsing), so the parser's
    /// base folder is never read; this names one that does not exist, to be sure.
    /// </summary>
    internal static readonly string NoFilesDirectory = Path.Combine(Path.GetTempPath(), "fleet-plan-no-files-" + Guid.NewGuid().ToString("N"));

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    // ------------------------------------------------------------------ fleet and scenario

    /// <inheritdoc/>
    public async Task<IReadOnlyList<InventoryPool>> InventoryAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Gpus.AsNoTracking()
            .Where(g => g.Status == GpuStatus.InService && g.DatacenterId != null)
            .GroupBy(g => new { Datacenter = g.Datacenter!.Code, Model = g.Model!.Name })
            .Select(g => new { g.Key.Datacenter, g.Key.Model, Count = g.Count() })
            .ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Datacenter, StringComparer.Ordinal).ThenBy(r => r.Model, StringComparer.Ordinal)
            .Select(r => new InventoryPool(r.Datacenter, r.Model, r.Count))];
    }

    /// <inheritdoc/>
    public async Task<BuiltScenario> BuildScenarioAsync(ScenarioForm form, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(form);
        var warnings = new List<string>();
        var tp = Math.Max(1, form.TensorParallel);
        List<FleetPoolForm> fleet;
        if (form.Fleet is { Count: > 0 } explicitFleet)
        {
            fleet = [.. explicitFleet];
        }
        else
        {
            var inventory = await InventoryAsync(ct);
            fleet = [];
            foreach (var pool in inventory.Where(p => form.GpuModel is null || string.Equals(p.GpuModel, form.GpuModel, StringComparison.OrdinalIgnoreCase)))
            {
                var usable = pool.InService / tp * tp;
                if (usable < pool.InService)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{pool.Datacenter}: {pool.InService - usable} of {pool.InService} in-service {pool.GpuModel} left out (not a whole replica of tensorParallel {tp})"));
                }

                if (usable > 0)
                {
                    fleet.Add(new FleetPoolForm(pool.Datacenter, pool.GpuModel, usable, tp));
                }
            }

            if (fleet.Count == 0)
            {
                throw new PlanScenarioException([form.GpuModel is null
                    ? "$.fleet: the inventory has no in-service GPUs placed in a datacenter; enter a fleet"
                    : $"$.fleet: the inventory has no in-service {form.GpuModel} placed in a datacenter; pick another GPU model or enter a fleet"]);
            }
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var (performance, choice) = await ChoosePerformanceAsync(db, form, fleet, warnings, ct);
        var root = new JsonObject
        {
            ["schema"] = Scenario.CurrentSchema,
            ["name"] = string.IsNullOrWhiteSpace(form.Name) ? null : form.Name.Trim(),
            ["seed"] = form.Seed,
            ["durationSeconds"] = form.DurationSeconds,
            ["model"] = new JsonObject { ["preset"] = form.ModelPreset, ["dtype"] = form.Dtype },
            ["fleet"] = new JsonArray(fleet.Select(p => (JsonNode?)new JsonObject
            {
                ["datacenter"] = p.Datacenter, ["gpuModel"] = p.GpuModel, ["gpus"] = p.Gpus, ["tensorParallel"] = p.TensorParallel,
            }).ToArray()),
            ["performance"] = performance,
            ["workload"] = new JsonObject
            {
                ["arrival"] = Arrival(form),
                ["promptTokens"] = Length(form.PromptTokens),
                ["outputTokens"] = Length(form.OutputTokens),
            },
            ["scheduler"] = new JsonObject
            {
                ["maxBatch"] = form.MaxBatch, ["chunkedPrefillTokens"] = form.ChunkedPrefillTokens, ["routing"] = form.Routing,
            },
            ["slo"] = new JsonObject { ["ttftSeconds"] = form.TtftSeconds, ["tpotSeconds"] = form.TpotSeconds, ["percentile"] = form.Percentile },
        };
        if (root["name"] is null)
        {
            root.Remove("name");
        }

        if (form.GpuFailuresPerDay is { } failures)
        {
            root["failures"] = new JsonObject { ["gpuFailuresPerDay"] = failures, ["repairHours"] = form.RepairHours };
        }

        if (!string.IsNullOrWhiteSpace(form.OutageDatacenter))
        {
            root["outage"] = new JsonObject { ["datacenter"] = form.OutageDatacenter, ["fromSecond"] = form.OutageFromSecond, ["toSecond"] = form.OutageToSecond };
        }

        if (await CostAsync(db, fleet, warnings, ct) is { } cost)
        {
            root["cost"] = cost;
        }

        var json = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Parse(json); // Every form problem with its JSON path, as the CLI would print it.
        return new BuiltScenario(json, fleet, choice, warnings);
    }

    private static async Task<(JsonObject Performance, PerformanceChoice Choice)> ChoosePerformanceAsync(
        FleetDbContext db, ScenarioForm form, List<FleetPoolForm> fleet, List<string> warnings, CancellationToken ct)
    {
        var roofline = new JsonObject { ["source"] = "roofline" };
        if (string.Equals(form.Performance, "roofline", StringComparison.OrdinalIgnoreCase))
        {
            warnings.Add("performance: the roofline (catalog peaks × efficiency) was chosen instead of a measured profile");
            return (roofline, new PerformanceChoice("roofline", null, null, null));
        }

        var models = fleet.Select(p => p.GpuModel).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (models.Count > 1)
        {
            warnings.Add($"performance: the fleet mixes {string.Join(", ", models)} and a scenario takes one profile, so step times come from the roofline (catalog peaks × efficiency), not a measurement; pick one GPU model to use its profile");
            return (roofline, new PerformanceChoice("roofline", null, null, null));
        }

        var gpuModel = models[0];
        var preset = form.ModelPreset.Trim().ToLowerInvariant();
        var dtype = form.Dtype.Trim().ToLowerInvariant();
        var candidates = await db.StoredProfiles.AsNoTracking()
            .Where(p => p.GpuModel.ToLower() == gpuModel.ToLower() && p.Model.ToLower() == preset && p.Dtype.ToLower() == dtype)
            .OrderByDescending(p => p.UploadedAt).ThenByDescending(p => p.Id)
            .Select(p => new { p.Id, p.Json, p.UploadedAt }).FirstOrDefaultAsync(ct);
        if (candidates is null)
        {
            warnings.Add($"performance: no measured profile of {preset} {dtype} on {gpuModel}; step times come from the roofline (catalog peaks × efficiency), not a measurement");
            return (roofline, new PerformanceChoice("roofline", null, gpuModel, null));
        }

        if (fleet.Any(p => p.TensorParallel != 1))
        {
            warnings.Add($"performance: the profile of {gpuModel} was measured on one GPU and applies to tensorParallel 1 only; step times come from the roofline");
            return (roofline, new PerformanceChoice("roofline", null, gpuModel, null));
        }

        var profile = JsonNode.Parse(candidates.Json) as JsonObject
            ?? throw new PlanScenarioException([$"$.performance.profile: stored profile {candidates.Id} is not a JSON object"]);
        var measuredAt = profile["measuredAtUtc"] is JsonValue v && v.TryGetValue<string>(out var text)
            && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var m) && m.Year > 1
            ? m : candidates.UploadedAt;
        return (new JsonObject { ["source"] = "profile", ["profile"] = profile },
            new PerformanceChoice("profile", candidates.Id, gpuModel, measuredAt));
    }

    /// <summary>PUE and electricity price of the fleet's datacenters (GPU-weighted when they differ), in their currency.</summary>
    private static async Task<JsonObject?> CostAsync(FleetDbContext db, List<FleetPoolForm> fleet, List<string> warnings, CancellationToken ct)
    {
        var codes = fleet.Select(p => p.Datacenter.ToUpperInvariant()).Distinct().ToList();
        var datacenters = await db.Datacenters.AsNoTracking().Where(d => codes.Contains(d.Code.ToUpper()))
            .Select(d => new { d.Code, d.Pue, d.ElectricityPricePerKwh, d.Currency }).ToListAsync(ct);
        if (datacenters.Count == 0 || datacenters.Any(d => d.ElectricityPricePerKwh <= 0 || d.Pue < 1))
        {
            return null;
        }

        var currencies = datacenters.Select(d => d.Currency).Distinct(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
        {
            warnings.Add($"cost: the datacenters price electricity in {string.Join(", ", currencies)}; the scenario's cost section uses the defaults");
            return null;
        }

        decimal gpus = 0, pue = 0, price = 0;
        foreach (var pool in fleet)
        {
            var dc = datacenters.FirstOrDefault(d => string.Equals(d.Code, pool.Datacenter, StringComparison.OrdinalIgnoreCase));
            if (dc is null)
            {
                continue;
            }

            gpus += pool.Gpus;
            pue += dc.Pue * pool.Gpus;
            price += dc.ElectricityPricePerKwh * pool.Gpus;
        }

        if (gpus == 0)
        {
            return null;
        }

        if (datacenters.Select(d => (d.Pue, d.ElectricityPricePerKwh)).Distinct().Count() > 1)
        {
            warnings.Add("cost: the datacenters' PUE and electricity prices differ; the scenario uses their GPU-weighted averages");
        }

        return new JsonObject
        {
            ["pue"] = Math.Round(pue / gpus, 4),
            ["pricePerKwh"] = Math.Round(price / gpus, 4),
            ["currency"] = currencies[0],
        };
    }

    private static JsonObject Arrival(ScenarioForm form)
    {
        if (form.HourlyFactors is { } factors)
        {
            return new JsonObject { ["kind"] = "daily", ["ratePerSecond"] = form.ArrivalRatePerSecond, ["hourlyFactors"] = new JsonArray(factors.Select(f => (JsonNode?)f).ToArray()) };
        }

        return form.Burstiness is { } b
            ? new JsonObject { ["kind"] = "gamma", ["ratePerSecond"] = form.ArrivalRatePerSecond, ["burstiness"] = b }
            : new JsonObject { ["kind"] = "poisson", ["ratePerSecond"] = form.ArrivalRatePerSecond };
    }

    private static JsonObject Length(TokenLengthForm t)
    {
        var o = new JsonObject { ["kind"] = t.Kind };
        switch (t.Kind)
        {
            case "fixed":
                o["value"] = t.Value;
                break;
            case "uniform":
                o["min"] = t.Min;
                o["max"] = t.Max;
                break;
            case "geometric":
                o["mean"] = t.Mean;
                break;
            default:
                o["mean"] = t.Mean;
                o["stddev"] = t.Stddev;
                break;
        }

        return o;
    }

    /// <summary>
    /// Parses scenario JSON as the CLI does, refusing file paths first (the server reads no files a request names):
    /// every error starts with its JSON path.
    /// </summary>
    public static Scenario Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxScenarioChars)
        {
            throw new PlanScenarioException([string.Create(CultureInfo.InvariantCulture, $"$: the scenario is {json.Length:N0} characters; at most {MaxScenarioChars:N0}")]);
        }

        var pathErrors = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("performance", out var perf) && perf.ValueKind == JsonValueKind.Object && perf.TryGetProperty("path", out _))
                {
                    pathErrors.Add("$.performance.path: the server reads no files; inline the profile as $.performance.profile (the app's scenarios do)");
                }

                if (root.TryGetProperty("workload", out var w) && w.ValueKind == JsonValueKind.Object && w.TryGetProperty("arrival", out var a)
                    && a.ValueKind == JsonValueKind.Object && a.TryGetProperty("path", out _))
                {
                    pathErrors.Add("$.workload.arrival.path: the server reads no files; trace replay runs in the CLI only (fleet plan simulate)");
                }
            }
        }
        catch (JsonException)
        {
            // The parser reports it with its line and byte.
        }

        if (pathErrors.Count > 0)
        {
            throw new PlanScenarioException(pathErrors);
        }

        try
        {
            return ScenarioParser.Parse(json, NoFilesDirectory);
        }
        catch (ScenarioException ex)
        {
            throw new PlanScenarioException(ex.Errors);
        }
    }

    internal static CapacityOptions ToOptions(CapacityRequest r) => new()
    {
        GpuModel = r.GpuModel, TargetAttainment = r.TargetAttainment, Spares = r.Spares, SurviveDatacenterLoss = r.SurviveDatacenterLoss,
    };

    /// <summary>
    /// The search's options priced from the system of record, as finance prices the same cards: each datacenter's PUE
    /// and electricity price, the latest quote for the model (when it is in the scenario's currency; else the
    /// catalog), and finance's depreciation policy for the model.
    /// </summary>
    internal static async Task<CapacityOptions> CostedOptionsAsync(FleetDbContext db, Scenario scenario, CapacityRequest request, CancellationToken ct)
    {
        var gpuModel = request.GpuModel ?? scenario.Fleet[0].GpuModel.Name;
        var power = await db.Datacenters.AsNoTracking().Where(d => d.Pue >= 1 && d.ElectricityPricePerKwh > 0)
            .ToDictionaryAsync(d => d.Code, d => new PowerTerms(d.Pue, d.ElectricityPricePerKwh, d.Currency), StringComparer.OrdinalIgnoreCase, ct);
        var model = await db.GpuModels.AsNoTracking().FirstOrDefaultAsync(m => m.Name == gpuModel, ct);
        decimal? unitPrice = null;
        DepreciationTerms? policy = null;
        if (model is not null)
        {
            var (price, currency, _) = await PriceAsync(db, gpuModel, ct);
            unitPrice = string.Equals(currency, scenario.Cost.Currency, StringComparison.OrdinalIgnoreCase) ? price : null;
            policy = await db.DepreciationPolicies.AsNoTracking().Where(p => p.GpuModelId == model.Id)
                .Select(p => new DepreciationTerms(p.LifeMonths, p.SalvageAmount, p.SalvagePercent)).FirstOrDefaultAsync(ct);
        }

        return ToOptions(request) with { DatacenterPower = power, UnitPrice = unitPrice, Policy = policy };
    }

    // ------------------------------------------------------------------ runs

    private static void RequirePlanner(Actor actor, string what)
    {
        if (!(Roles.Satisfies(actor.Role, Roles.Procurement) || actor.Role == Roles.Finance))
        {
            throw new ForbiddenException($"{what} needs the Procurement, Finance or Admin role; you have {actor.Role}.");
        }
    }

    /// <inheritdoc/>
    public async Task<PlanRunSummary> SubmitAsync(PlanSubmission submission, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(actor);
        RequirePlanner(actor, "Running plans");
        var scenario = Parse(submission.ScenarioJson);
        var capacity = submission.Kind == PlanKind.Capacity ? submission.Capacity ?? new CapacityRequest() : null;
        if (capacity is not null)
        {
            CheckCapacity(scenario, capacity);
        }

        var warnings = submission.Warnings?.ToList() ?? [];
        if (warnings.Count == 0 && scenario.Performance is RooflinePerformance)
        {
            warnings.Add("performance: step times come from the roofline (catalog peaks × efficiency), not a measured profile");
        }

        var savedName = string.IsNullOrWhiteSpace(submission.SavedScenario) ? null : submission.SavedScenario.Trim();
        if (savedName is { Length: > 200 })
        {
            throw new ValidationException("savedScenario", $"A saved scenario's name is at most 200 characters, got {savedName.Length}.");
        }

        if (queue.Reader.Count >= queue.Capacity)
        {
            throw new PlanQueueFullException(queue.Capacity);
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        SavedScenario? saved = null;
        if (savedName is not null)
        {
            saved = await db.SavedScenarios.FirstOrDefaultAsync(s => s.Name == savedName, ct);
            if (saved is null)
            {
                saved = new SavedScenario { Name = savedName, ScenarioJson = submission.ScenarioJson, CreatedBy = actor.Name, UpdatedAt = now };
                db.SavedScenarios.Add(saved);
            }
            else if (saved.ScenarioJson != submission.ScenarioJson)
            {
                saved.ScenarioJson = submission.ScenarioJson;
                saved.UpdatedAt = now;
            }
        }

        var run = new PlanRun
        {
            Kind = submission.Kind == PlanKind.Capacity ? "capacity" : "simulate",
            ScenarioName = scenario.Name is { Length: > 200 } n ? n[..200] : scenario.Name,
            ScenarioJson = submission.ScenarioJson,
            OptionsJson = capacity is null ? null : JsonSerializer.Serialize(capacity, PlanRunner.OptionsJson),
            WarningsJson = warnings.Count == 0 ? null : JsonSerializer.Serialize(warnings, s_json),
            CreatedBy = actor.Name,
            CreatedAt = now,
        };
        if (saved is { Id: 0 })
        {
            await db.SaveChangesAsync(ct); // The new saved scenario's id, for the run to point at.
        }

        run.SavedScenarioId = saved?.Id;
        db.PlanRuns.Add(run);

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(PlanRun), run.ScenarioName ?? "(unnamed)", AuditActions.Create, null,
            new { run.Kind, run.ScenarioName, SavedScenario = savedName, Capacity = capacity }));
        await db.SaveChangesAsync(ct);
        if (!queue.TryEnqueue(run.Id))
        {
            run.Fail("The plan queue was full.", time.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(CancellationToken.None);
            throw new PlanQueueFullException(queue.Capacity);
        }

        return Summary(run, savedName);
    }

    /// <summary>The checks the search would make only after minutes of work, made before anything is stored.</summary>
    private static void CheckCapacity(Scenario scenario, CapacityRequest capacity)
    {
        var errors = new List<string>();
        if (capacity.GpuModel is { } model && GpuCatalog.Find(model) is null)
        {
            errors.Add($"$.gpuModel: unknown GPU model '{model}' (known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))})");
        }

        if (capacity.TargetAttainment is { } t && !(t > 0 && t <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"$.targetAttainment: must be > 0 and <= 1 (a share, e.g. 0.99), got {t}"));
        }

        if (capacity.SurviveDatacenterLoss && scenario.Datacenters.Count < 2)
        {
            errors.Add("$.fleet: surviving a datacenter loss needs a fleet in at least two datacenters");
        }

        if (capacity.Spares && scenario.Failures is null)
        {
            errors.Add("$.failures: spares need a failure rate (gpuFailuresPerDay, repairHours)");
        }

        if (errors.Count > 0)
        {
            throw new PlanScenarioException(errors);
        }
    }

    /// <inheritdoc/>
    public async Task<PlanRunDetail?> GetAsync(int id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.PlanRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null)
        {
            return null;
        }

        var saved = run.SavedScenarioId is { } sid ? await db.SavedScenarios.Where(s => s.Id == sid).Select(s => s.Name).FirstOrDefaultAsync(ct) : null;
        var capacity = run.OptionsJson is null ? null : JsonSerializer.Deserialize<CapacityRequest>(run.OptionsJson, PlanRunner.OptionsJson);
        var warnings = run.WarningsJson is null ? [] : JsonSerializer.Deserialize<List<string>>(run.WarningsJson, s_json) ?? [];
        var cost = run.Kind == "capacity" && run.ResultJson is not null ? CostOf(run.ResultJson) : null;
        return new PlanRunDetail(Summary(run, saved), run.ScenarioJson, capacity, run.ResultJson, warnings, cost);
    }

    /// <summary>Capex, monthly opex and cost per million tokens of a capacity answer, as the one cost model (<see cref="CostOfOwnership"/>) priced it in the result.</summary>
    internal static PlanCost CostOf(string resultJson)
    {
        using var doc = JsonDocument.Parse(resultJson);
        var r = doc.RootElement;
        var c = r.GetProperty("cost");
        var gpus = r.GetProperty("gpus").GetInt32();
        static decimal? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;
        var price = c.GetProperty("purchasePricePerGpu").GetDecimal();
        var hours = (decimal)c.GetProperty("hoursInMonth").GetDouble();
        var depreciation = Math.Round(gpus * c.GetProperty("depreciationPerGpuHour").GetDecimal() * hours, 2);
        var opex = Number(c, "monthlyOpex") ?? Math.Round(gpus * c.GetProperty("costPerGpuHour").GetDecimal() * hours, 2);
        var perMillion = Number(c, "costPerMillionTokens") ?? Number(c, "costPerMillionOutputTokens");
        var month = c.TryGetProperty("month", out var m) ? m.GetString() : null;
        var load = c.TryGetProperty("loadFactor", out var l) ? l.GetDouble() : CostOfOwnership.DefaultLoadFactor;
        return new PlanCost(c.GetProperty("currency").GetString() ?? "USD", gpus, price, Number(c, "capex") ?? gpus * price, opex, depreciation, perMillion,
            string.Create(CultureInfo.InvariantCulture,
                $"one cost-of-ownership model (as finance's reports): {hours:0} calendar hours of {month}, power at TDP x {load:0.##} x each datacenter's PUE and price per kWh, depreciation per finance's policy"));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PlanRunSummary>> ListAsync(string? savedScenario = null, int limit = 100, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var names = await db.SavedScenarios.AsNoTracking().ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var query = db.PlanRuns.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(savedScenario))
        {
            var id = names.FirstOrDefault(n => n.Value == savedScenario.Trim()).Key;
            query = query.Where(r => r.SavedScenarioId == id);
        }

        var runs = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return [.. runs.Select(r => Summary(r, r.SavedScenarioId is { } s && names.TryGetValue(s, out var n) ? n : null))];
    }

    /// <inheritdoc/>
    public async Task<bool> CancelAsync(int id, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        RequirePlanner(actor, "Cancelling plans");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.PlanRuns.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException($"No plan run has id {id}.");
        var now = time.GetUtcNow().UtcDateTime;
        if (!run.Cancel(actor.Name, now))
        {
            return false;
        }

        db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(PlanRun), id.ToString(CultureInfo.InvariantCulture), AuditActions.Update, null, new { run.State }));
        await db.SaveChangesAsync(ct);
        queue.Cancel(id);
        return true;
    }

    private PlanRunSummary Summary(PlanRun r, string? saved) => new(
        r.Id, r.ScenarioName, saved, r.Kind == "capacity" ? PlanKind.Capacity : PlanKind.Simulate, StateOf(r.State),
        r.State == PlanRunStates.Running && queue.ProgressOf(r.Id) is { } live ? live : r.Progress,
        r.CreatedBy, r.CreatedAt, r.StartedAt, r.FinishedAt, r.Error);

    private static PlanState StateOf(string state) => state switch
    {
        PlanRunStates.Queued => PlanState.Queued,
        PlanRunStates.Running => PlanState.Running,
        PlanRunStates.Done => PlanState.Done,
        PlanRunStates.Cancelled => PlanState.Cancelled,
        _ => PlanState.Failed,
    };

    // ------------------------------------------------------------------ saved scenarios

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SavedScenarioItem>> SavedScenariosAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var saved = await db.SavedScenarios.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        var ids = saved.Select(s => s.Id).ToList();
        var runs = await db.PlanRuns.AsNoTracking().Where(r => r.SavedScenarioId != null && ids.Contains(r.SavedScenarioId.Value)).ToListAsync(ct);
        return [.. saved.Select(s => new SavedScenarioItem(s.Id, s.Name, s.ScenarioJson, s.CreatedBy, s.UpdatedAt,
            [.. runs.Where(r => r.SavedScenarioId == s.Id).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Select(r => Summary(r, s.Name))]))];
    }

    /// <inheritdoc/>
    public async Task<SavedScenarioItem> SaveScenarioAsync(string name, string scenarioJson, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        RequirePlanner(actor, "Saving scenarios");
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 200)
        {
            throw new ValidationException("name", "A saved scenario needs a name of 1 to 200 characters.");
        }

        Parse(scenarioJson);
        var now = time.GetUtcNow().UtcDateTime;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var saved = await db.SavedScenarios.FirstOrDefaultAsync(s => s.Name == name, ct);
            if (saved is null)
            {
                db.SavedScenarios.Add(new SavedScenario { Name = name, ScenarioJson = scenarioJson, CreatedBy = actor.Name, UpdatedAt = now });
                db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(SavedScenario), name, AuditActions.Create, null, new { name }));
            }
            else
            {
                saved.ScenarioJson = scenarioJson;
                saved.UpdatedAt = now;
                db.AuditEntries.Add(AuditLog.Entry(actor, now, nameof(SavedScenario), name, AuditActions.Update, null, new { name }));
            }

            await db.SaveChangesAsync(ct);
        }

        return (await SavedScenariosAsync(ct)).First(s => s.Name == name);
    }

    // ------------------------------------------------------------------ buy plan

    /// <inheritdoc/>
    public async Task<BuyPlanPreview> BuyPlanAsync(int planRunId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.PlanRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == planRunId, ct)
            ?? throw new NotFoundException($"No plan run has id {planRunId}.");
        if (run.Kind != "capacity" || run.State != PlanRunStates.Done || run.ResultJson is null)
        {
            throw new DomainException($"Plan run {planRunId} is a {run.Kind} run in state {run.State}; a buy plan comes from a finished capacity run.");
        }

        string gpuModel;
        int replicas, tp;
        using (var doc = JsonDocument.Parse(run.ResultJson))
        {
            var r = doc.RootElement;
            gpuModel = r.GetProperty("gpuModel").GetString()!;
            replicas = r.GetProperty("replicas").GetInt32();
            tp = r.GetProperty("tensorParallel").GetInt32();
        }

        var datacenters = Parse(run.ScenarioJson).Datacenters;
        var inventory = await InventoryAsync(ct);
        var (price, currency, source) = await PriceAsync(db, gpuModel, ct);
        var lines = new List<BuyPlanLine>();
        for (var d = 0; d < datacenters.Count; d++)
        {
            // The search spreads replicas round-robin over the datacenters (CapacitySearch.Sized); spares likewise.
            var answer = ((replicas / datacenters.Count) + (d < replicas % datacenters.Count ? 1 : 0)) * tp;
            var have = inventory.Where(p => string.Equals(p.Datacenter, datacenters[d], StringComparison.OrdinalIgnoreCase)
                && string.Equals(p.GpuModel, gpuModel, StringComparison.OrdinalIgnoreCase)).Sum(p => p.InService);
            if (answer > have)
            {
                lines.Add(new BuyPlanLine(datacenters[d], gpuModel, answer, have, answer - have, price, currency, source));
            }
        }

        return new BuyPlanPreview(planRunId, gpuModel, lines);
    }

    /// <summary>The latest quote's unit price for the model, else the catalog's typical price (USD).</summary>
    private static async Task<(decimal Price, string Currency, string Source)> PriceAsync(FleetDbContext db, string gpuModel, CancellationToken ct)
    {
        var model = await db.GpuModels.AsNoTracking().FirstOrDefaultAsync(m => m.Name == gpuModel, ct)
            ?? throw new DomainException($"GPU model '{gpuModel}' is not in the catalog.");
        var quoted = await db.QuoteLines.AsNoTracking().Where(l => l.GpuModelId == model.Id)
            .Join(db.Quotes.AsNoTracking(), l => l.QuoteId, q => q.Id, (l, q) => new { l.UnitPrice, q.Currency, q.Reference, q.QuotedAt, l.Id })
            .OrderByDescending(x => x.QuotedAt).ThenByDescending(x => x.Id).FirstOrDefaultAsync(ct);
        return quoted is not null
            ? (quoted.UnitPrice, quoted.Currency, $"quote {quoted.Reference}")
            : (model.TypicalPriceUsd, "USD", "catalog");
    }

    /// <inheritdoc/>
    public async Task<BuyPlanResult> CreateBuyPlanOrdersAsync(int planRunId, BuyPlanRequest request, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        Access.Require(actor, Roles.Procurement, "Turning a plan into purchase orders");
        var preview = await BuyPlanAsync(planRunId, ct);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.PlanRunOrders.AnyAsync(o => o.PlanRunId == planRunId, ct))
        {
            throw new DuplicateException("planRunId", $"Plan run {planRunId} has already been turned into purchase orders.");
        }

        if (preview.Lines.Count == 0)
        {
            throw new DomainException($"Plan run {planRunId}'s answer is already in service: there is nothing to buy.");
        }

        var prefix = string.IsNullOrWhiteSpace(request.OrderNumberPrefix)
            ? string.Create(CultureInfo.InvariantCulture, $"PLAN-{planRunId}")
            : request.OrderNumberPrefix.Trim();
        var numbers = preview.Lines.Select(l => $"{prefix}-{l.Datacenter.ToUpperInvariant()}").ToList();
        var taken = await db.PurchaseOrders.Where(o => numbers.Contains(o.Number)).Select(o => o.Number).ToListAsync(ct);
        if (taken.Count > 0)
        {
            throw new DuplicateException("orderNumberPrefix", $"Purchase order {string.Join(", ", taken)} already exists; choose another prefix.");
        }

        if (!await db.Vendors.AnyAsync(v => v.Name == (request.Vendor ?? "").Trim(), ct))
        {
            throw new ValidationException("vendor",
                $"Unknown vendor '{request.Vendor}'. Known: {string.Join(", ", await db.Vendors.Select(v => v.Name).ToListAsync(ct))}.");
        }

        for (var i = 0; i < preview.Lines.Count; i++)
        {
            var line = preview.Lines[i];
            var order = await orders.CreateAsync(new CreateOrderRequest(numbers[i], request.Vendor, line.Currency, line.Datacenter, null,
                [new OrderLineRequest(line.GpuModel, line.Quantity, line.UnitPrice)],
                string.Create(CultureInfo.InvariantCulture, $"Buy plan of plan run {planRunId}: {line.Answer} {line.GpuModel} answer less {line.InService} in service ({line.PriceSource} price).")),
                actor, ct);
            var orderId = await db.PurchaseOrders.Where(o => o.Number == order.Number).Select(o => o.Id).FirstAsync(ct);
            db.PlanRunOrders.Add(new PlanRunOrder { PlanRunId = planRunId, PurchaseOrderId = orderId });
        }

        await db.SaveChangesAsync(ct);
        return new BuyPlanResult(planRunId, preview.Lines, numbers);
    }
}
