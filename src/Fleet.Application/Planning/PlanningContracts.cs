namespace Fleet.Application.Planning;

/// <summary>What a plan run computes: <c>fleet plan simulate</c> or <c>fleet plan capacity</c>.</summary>
public enum PlanKind
{
    Simulate,
    Capacity,
}

/// <summary>Where a plan run is. Runs end in Done, Failed or Cancelled; a restart never leaves one Running.</summary>
public enum PlanState
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// <summary>A token-length distribution as the form edits it; <see cref="Kind"/> is fixed, uniform, normal, lognormal or geometric.</summary>
/// <param name="Kind">fixed (Value), uniform (Min, Max), normal or lognormal (Mean, Stddev), geometric (Mean).</param>
public sealed record TokenLengthForm(string Kind, double? Value = null, int? Min = null, int? Max = null, double? Mean = null, double? Stddev = null)
{
    public static TokenLengthForm Fixed(int value) => new("fixed", Value: value);

    public static TokenLengthForm Uniform(int min, int max) => new("uniform", Min: min, Max: max);
}

/// <summary>GPUs of one catalog model in one datacenter (a <c>fleet[]</c> entry of the scenario).</summary>
public sealed record FleetPoolForm(string Datacenter, string GpuModel, int Gpus, int TensorParallel = 1);

/// <summary>
/// The planner form's fields. <see cref="Fleet"/> null means today's in-service inventory per datacenter and GPU model
/// (<see cref="GpuModel"/>, when set, keeps only that model); <see cref="Performance"/> null means the newest measured
/// profile of the fleet's GPU model, else the roofline with a warning.
/// </summary>
public sealed record ScenarioForm
{
    public string? Name { get; init; }
    public int Seed { get; init; } = 1;
    public double DurationSeconds { get; init; } = 600;
    /// <summary>A preset of <c>ModelPresets</c> (e.g. llama-3.1-8b).</summary>
    public string ModelPreset { get; init; } = "llama-3.1-8b";
    /// <summary>fp32, fp16, bf16 or fp8.</summary>
    public string Dtype { get; init; } = "bf16";
    public double ArrivalRatePerSecond { get; init; } = 10;
    /// <summary>24 hourly factors for a daily curve (rate × factor of the hour); null for a constant Poisson rate.</summary>
    public IReadOnlyList<double>? HourlyFactors { get; init; }
    /// <summary>Gamma burstiness (1 = Poisson, below 1 burstier); null for Poisson. Ignored with <see cref="HourlyFactors"/>.</summary>
    public double? Burstiness { get; init; }
    public TokenLengthForm PromptTokens { get; init; } = TokenLengthForm.Uniform(128, 1024);
    public TokenLengthForm OutputTokens { get; init; } = TokenLengthForm.Uniform(50, 350);
    public double TtftSeconds { get; init; } = 2;
    public double TpotSeconds { get; init; } = 0.1;
    public double Percentile { get; init; } = 99;
    public int MaxBatch { get; init; } = 32;
    /// <summary>0 = off.</summary>
    public int ChunkedPrefillTokens { get; init; }
    /// <summary>round-robin, least-outstanding or shared-queue.</summary>
    public string Routing { get; init; } = "round-robin";
    /// <summary>Random GPU failures per GPU-day; null for none.</summary>
    public double? GpuFailuresPerDay { get; init; }
    public double RepairHours { get; init; } = 24;
    /// <summary>A datacenter down over [OutageFromSecond, OutageToSecond); null for none.</summary>
    public string? OutageDatacenter { get; init; }
    public double OutageFromSecond { get; init; }
    public double OutageToSecond { get; init; }
    /// <summary>Only this catalog GPU model of the in-service fleet (the model a capacity search sizes); null keeps every model.</summary>
    public string? GpuModel { get; init; }
    /// <summary>Tensor-parallel degree of the default fleet's replicas.</summary>
    public int TensorParallel { get; init; } = 1;
    /// <summary>An explicit fleet instead of the inventory.</summary>
    public IReadOnlyList<FleetPoolForm>? Fleet { get; init; }
    /// <summary>"profile" (newest stored profile, else roofline with a warning) or "roofline"; null = "profile".</summary>
    public string? Performance { get; init; }
}

/// <summary>Today's in-service GPUs of one model in one datacenter, from the database.</summary>
public sealed record InventoryPool(string Datacenter, string GpuModel, int InService);

/// <summary>Where a scenario's step times come from, and why.</summary>
/// <param name="Source">profile or roofline.</param>
/// <param name="ProfileId">The stored profile used, when <paramref name="Source"/> is profile.</param>
public sealed record PerformanceChoice(string Source, int? ProfileId, string? GpuModel, DateTime? MeasuredAt);

/// <summary>
/// A <c>fleet.scenario/v1</c> built from a form and the database: <see cref="Json"/> is what the queue runs and what
/// <c>fleet plan simulate --scenario</c> runs unchanged (profiles are inlined, no file paths).
/// </summary>
public sealed record BuiltScenario(string Json, IReadOnlyList<FleetPoolForm> Fleet, PerformanceChoice Performance, IReadOnlyList<string> Warnings);

/// <summary>Options of a capacity search (the <c>fleet plan capacity</c> flags).</summary>
public sealed record CapacityRequest(string? GpuModel = null, double? TargetAttainment = null, bool Spares = false, bool SurviveDatacenterLoss = false);

/// <summary>A run to queue: scenario JSON (<c>fleet.scenario/v1</c>), what to compute, and the saved scenario it belongs to.</summary>
/// <param name="SavedScenario">Name of a saved scenario to file the run under (created when new); null for none.</param>
/// <param name="Warnings">Warnings known before the run (e.g. <see cref="BuiltScenario.Warnings"/>), kept with the run.</param>
public sealed record PlanSubmission(string ScenarioJson, PlanKind Kind = PlanKind.Simulate, CapacityRequest? Capacity = null,
    string? SavedScenario = null, IReadOnlyList<string>? Warnings = null);

/// <summary>A plan run as lists show it (a saved scenario's history, <c>GET /api/plans</c>).</summary>
public sealed record PlanRunSummary(
    int Id, string? ScenarioName, string? SavedScenario, PlanKind Kind, PlanState State, double Progress, string CreatedBy,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error);

/// <summary>
/// One run in full. <see cref="ResultJson"/> is exactly what <c>fleet plan simulate|capacity --json</c> prints for
/// <see cref="ScenarioJson"/> (null until Done); <see cref="Cost"/> is set for a finished capacity run.
/// </summary>
public sealed record PlanRunDetail(
    PlanRunSummary Run, string ScenarioJson, CapacityRequest? Capacity, string? ResultJson, IReadOnlyList<string> Warnings, PlanCost? Cost);

/// <summary>
/// What the capacity answer costs: capex (GPUs × unit price), monthly opex (power and depreciation of the answer over
/// calendar-average hours) and cost per million output tokens at the simulated operating point.
/// </summary>
public sealed record PlanCost(string Currency, int Gpus, decimal UnitPrice, decimal Capex, decimal MonthlyOpex, decimal MonthlyDepreciation,
    decimal? CostPerMillionOutputTokens, string Source);

/// <summary>A named scenario with the runs made of it (its history), newest first.</summary>
public sealed record SavedScenarioItem(int Id, string Name, string ScenarioJson, string CreatedBy, DateTime UpdatedAt, IReadOnlyList<PlanRunSummary> Runs);

/// <summary>One line of a buy plan: the answer for a datacenter less its in-service GPUs of that model, priced.</summary>
/// <param name="PriceSource">"quote REF" (latest quote line for the model) or "catalog".</param>
public sealed record BuyPlanLine(string Datacenter, string GpuModel, int Answer, int InService, int Quantity, decimal UnitPrice, string Currency, string PriceSource);

/// <summary>What a finished capacity run would buy; lines with nothing to buy are left out.</summary>
public sealed record BuyPlanPreview(int PlanRunId, string GpuModel, IReadOnlyList<BuyPlanLine> Lines);

/// <summary>Turns a buy plan into draft purchase orders (one per datacenter) from <see cref="Vendor"/>.</summary>
/// <param name="OrderNumberPrefix">Order numbers are PREFIX-DATACENTER; null uses PLAN-{run id}.</param>
public sealed record BuyPlanRequest(string? Vendor, string? OrderNumberPrefix = null);

/// <summary>The draft orders a buy plan created, linked to the run.</summary>
public sealed record BuyPlanResult(int PlanRunId, IReadOnlyList<BuyPlanLine> Lines, IReadOnlyList<string> OrderNumbers);

/// <summary>
/// Capacity planning in the app: scenarios built from the real fleet, runs on a background queue, saved scenarios,
/// buy plans. Bad scenarios throw <see cref="PlanScenarioException"/> (422, JSON-path errors as the CLI prints them);
/// role checks throw <see cref="Domain.ForbiddenException"/>.
/// </summary>
public interface IPlanningService
{
    /// <summary>Today's in-service GPUs per datacenter and GPU model.</summary>
    Task<IReadOnlyList<InventoryPool>> InventoryAsync(CancellationToken ct = default);

    /// <summary>Builds the scenario JSON for a form: default fleet from the inventory, newest profile or roofline (with a warning).</summary>
    Task<BuiltScenario> BuildScenarioAsync(ScenarioForm form, CancellationToken ct = default);

    /// <summary>Validates and queues a run (Procurement, Finance or Admin).</summary>
    Task<PlanRunSummary> SubmitAsync(PlanSubmission submission, Actor actor, CancellationToken ct = default);

    /// <summary>One run with its scenario and result; null when there is none.</summary>
    Task<PlanRunDetail?> GetAsync(int id, CancellationToken ct = default);

    /// <summary>Runs, newest first; <paramref name="savedScenario"/> keeps one saved scenario's history.</summary>
    Task<IReadOnlyList<PlanRunSummary>> ListAsync(string? savedScenario = null, int limit = 100, CancellationToken ct = default);

    /// <summary>Cancels a queued or running run (Procurement, Finance or Admin); false when it had already ended.</summary>
    Task<bool> CancelAsync(int id, Actor actor, CancellationToken ct = default);

    /// <summary>Saved scenarios with their run history.</summary>
    Task<IReadOnlyList<SavedScenarioItem>> SavedScenariosAsync(CancellationToken ct = default);

    /// <summary>Saves (or replaces the JSON of) a named scenario after validating it (Procurement, Finance or Admin).</summary>
    Task<SavedScenarioItem> SaveScenarioAsync(string name, string scenarioJson, Actor actor, CancellationToken ct = default);

    /// <summary>The gap between a finished capacity run's answer and today's in-service fleet, priced.</summary>
    Task<BuyPlanPreview> BuyPlanAsync(int planRunId, CancellationToken ct = default);

    /// <summary>Creates the buy plan's draft purchase orders through the procurement rules (Procurement or Admin).</summary>
    Task<BuyPlanResult> CreateBuyPlanOrdersAsync(int planRunId, BuyPlanRequest request, Actor actor, CancellationToken ct = default);
}

/// <summary>A scenario the planner cannot run: every problem, each starting with its JSON path (HTTP 422).</summary>
public sealed class PlanScenarioException(IReadOnlyList<string> errors)
    : Domain.DomainException("Invalid scenario: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
