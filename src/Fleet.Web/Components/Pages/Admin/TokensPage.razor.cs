using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Admin;

/// <summary>Admin: issue a token for a role (its value shown once), list tokens with expiry and last use, revoke.</summary>
public partial class TokensPage
{
    private IReadOnlyList<ApiTokenInfo> _tokens = [];
    private IssuedApiToken? _issued;
    private string? _name;
    private string _role = Roles.Viewer;
    private int _days = ApiTokens.DefaultLifetimeDays;

    [Inject]
    private ApiTokens Tokens { get; set; } = default!;

    protected override async Task OnInitializedAsync() => _tokens = await Tokens.ListAsync();

    private Task IssueAsync() => RunAsync(async () =>
    {
        _issued = null;
        _issued = await Tokens.IssueAsync(_name, _role, _days, await ActorAsync());
        _tokens = await Tokens.ListAsync();
        _name = null;
    });

    private Task RevokeAsync(int id) => RunAsync(async () =>
    {
        await Tokens.RevokeAsync(id, await ActorAsync());
        _tokens = await Tokens.ListAsync();
    });

    private static string Format(DateTime? at) => at?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "—";
}
