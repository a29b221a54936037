using Fleet.Application.BurnIn;
using Fleet.Domain.BurnIn;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.BurnIn;

/// <summary>Burn-in campaigns with live progress (refreshed every few seconds), a campaign from an inventory filter, per-card verdicts.</summary>
public partial class BurnInPage
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<CampaignSummary> _campaigns = [];
    private CampaignDetail? _detail;
    private BurnInRunDetail? _run;
    private bool _canCreate;
    private string? _name;
    private string _level = "quick";
    private string? _status = "Received";
    private string? _datacenter;
    private string? _model;
    private string? _host;
    private string _kind = "burnin";
    private string _preset = Fleet.Domain.Models.ModelPresets.Llama31_8B.Name;
    private string _dtype = ProfileCampaignRule.DefaultDtype;
    private IReadOnlyCollection<string> _profileModels = [];

    [Inject]
    private BurnInQueries Queries { get; set; } = default!;

    [Inject]
    private CreateBurnInCampaign Create { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _canCreate = Roles.Satisfies(await RoleAsync(), Roles.Technician);
        await RunAsync(async () => _campaigns = await Queries.CampaignsAsync());
        _ = RefreshLoopAsync();
    }

    private static double Done(CampaignSummary c) => c.Cards.Total == 0 ? 0 : 100.0 * (c.Cards.Passed + c.Cards.Failed) / c.Cards.Total;

    private Task SelectAsync(int id) => RunAsync(async () =>
    {
        _detail = await Queries.CampaignAsync(id);
        _run = null;
    });

    private Task ShowRunAsync(long runId) => RunAsync(async () => _run = await Queries.RunAsync(runId));

    private Task CreateAsync() => RunAsync(async () =>
    {
        var request = _kind == "profile"
            ? new CreateCampaignRequest(_name, null, Kind: _kind, Preset: _preset, Dtype: _dtype, Models: _profileModels.ToList())
            : new CreateCampaignRequest(_name, _level, Filter: new CampaignFilter(Blank(_status), Blank(_datacenter), Blank(_model), Blank(_host)));
        var created = await Create.CreateAsync(request, await ActorAsync());
        _campaigns = await Queries.CampaignsAsync();
        _detail = await Queries.CampaignAsync(created.Id);
        Success = created.ProfileCards is { } picked
            ? string.Create(CultureInfo.InvariantCulture, $"Profile campaign {created.Id} created: {string.Join("; ", picked.Select(p => $"{p.GpuModel} on {p.Serial} ({p.Host})"))}, queued for their agents.")
            : string.Create(CultureInfo.InvariantCulture, $"Campaign {created.Id} created: {created.Cards} cards on {created.Jobs} hosts, queued for their agents.");
    });

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(s_refresh);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var campaigns = await Queries.CampaignsAsync(_stop.Token);
                var detail = _detail is null ? null : await Queries.CampaignAsync(_detail.Summary.Id, _stop.Token);
                await InvokeAsync(() =>
                {
                    _campaigns = campaigns;
                    _detail = detail ?? _detail;
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (DomainException)
        {
            // The campaign went away; the next visit shows what is there.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
