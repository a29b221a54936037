using System.Text;
using Fleet.Application.Planning;
using Fleet.Planning.Scenarios;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Fleet.Web.Components.Pages.Planning;

/// <summary>The planner: a scenario form over today's fleet, its JSON (view, download, upload), runs on the queue.</summary>
public partial class PlannerPage
{
    /// <summary>Largest scenario file the form reads.</summary>
    public const long MaxUploadBytes = 4 * 1024 * 1024;

    private IReadOnlyList<InventoryPool> _inventory = [];
    private Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _serviceErrors = [];
    private BuiltScenario? _built;
    private bool _canRun;
    private string? _saveAs;
    private double _target = 0.99;
    private bool _spares;
    private bool _survive;
    private int? _runId;

    [Inject]
    private IPlanningService Planning { get; set; } = default!;

    /// <summary>The form's fields (public for tests).</summary>
    public ScenarioFields F { get; private set; } = new();

    private IEnumerable<string> Datacenters => _inventory.Select(p => p.Datacenter).Concat(F.Fleet?.Select(p => p.Datacenter) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private IEnumerable<string> GpuModels => _inventory.Select(p => p.GpuModel).Concat(F.Fleet?.Select(p => p.GpuModel) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private string DownloadName => (string.IsNullOrWhiteSpace(F.Name) ? "scenario" : new string(F.Name.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray())) + ".json";

    private string DownloadHref => "data:application/json;charset=utf-8;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(_built?.Json ?? ""));

    protected override async Task OnInitializedAsync()
    {
        var role = await RoleAsync();
        _canRun = Roles.Satisfies(role, Roles.Procurement) || Roles.Satisfies(role, Roles.Finance);
        _inventory = await Planning.InventoryAsync();
    }

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? Err(string field) => _errors.GetValueOrDefault(field);

    private void UseInventory() => F.Fleet = null;

    /// <summary>Checks the fields, then asks the service for the scenario; its JSON-path errors land on their fields.</summary>
    private async Task BuildAsync()
    {
        _built = null;
        _serviceErrors = [];
        _errors = F.Validate();
        if (_errors.Count > 0)
        {
            return;
        }

        await RunAsync(async () =>
        {
            try
            {
                _built = await Planning.BuildScenarioAsync(F.ToForm());
            }
            catch (PlanScenarioException ex)
            {
                ShowScenarioErrors(ex.Errors);
            }
        });
    }

    /// <summary>Fills the form from a <c>fleet.scenario/v1</c> file; its problems are listed with their JSON paths.</summary>
    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        await RunAsync(async () =>
        {
            if (file.Size > MaxUploadBytes)
            {
                throw new DomainException($"{file.Name} is larger than the 4 MiB scenario limit.");
            }

            using var reader = new StreamReader(file.OpenReadStream(MaxUploadBytes));
            LoadJson(await reader.ReadToEndAsync());
        });
    }

    /// <summary>Parses <paramref name="json"/> as the CLI does and fills the form; false (with the errors shown) when it is not a valid scenario.</summary>
    public bool LoadJson(string json)
    {
        _built = null;
        _errors = new(StringComparer.Ordinal);
        _serviceErrors = [];
        try
        {
            F = ScenarioFields.FromScenario(ScenarioParser.Parse(json));
            return true;
        }
        catch (ScenarioException ex)
        {
            ShowScenarioErrors(ex.Errors);
            return false;
        }
    }

    private void ShowScenarioErrors(IReadOnlyList<string> errors)
    {
        _serviceErrors = errors;
        foreach (var e in errors)
        {
            if (ScenarioFields.FieldFor(e) is { } field)
            {
                _errors.TryAdd(field, e);
            }
        }
    }

    private async Task SubmitAsync(PlanKind kind)
    {
        if (_built is null)
        {
            return;
        }

        await RunAsync(async () =>
        {
            try
            {
                var capacity = kind == PlanKind.Capacity
                    ? new CapacityRequest(string.IsNullOrEmpty(F.GpuModel) ? null : F.GpuModel, _target, _spares, _survive)
                    : null;
                var run = await Planning.SubmitAsync(new PlanSubmission(_built.Json, kind, capacity,
                    string.IsNullOrWhiteSpace(_saveAs) ? null : _saveAs.Trim(), _built.Warnings), await ActorAsync());
                _runId = run.Id;
            }
            catch (PlanScenarioException ex)
            {
                ShowScenarioErrors(ex.Errors);
            }
        });
    }
}
