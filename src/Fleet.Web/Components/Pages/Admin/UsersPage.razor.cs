using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;

namespace Fleet.Web.Components.Pages.Admin;

/// <summary>Admin: invite a user with a role (a one-time set-password link shown once), change roles, disable and enable.</summary>
public partial class UsersPage
{
    private IReadOnlyList<UserInfo> _users = [];
    private InvitedUser? _invited;
    private string? _email;
    private string? _displayName;
    private string _role = Roles.Viewer;

    [Inject]
    private UserAdministration Users { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private string InviteLink => _invited is null ? "" : Navigation.ToAbsoluteUri(_invited.SetPasswordLink.TrimStart('/')).ToString();

    protected override async Task OnInitializedAsync() => _users = await Users.ListAsync();

    private Task InviteAsync() => RunAsync(async () =>
    {
        _invited = null;
        _invited = await Users.InviteAsync(_email, _displayName, _role, await ActorAsync());
        _users = await Users.ListAsync();
        _email = _displayName = null;
    });

    private Task ChangeRoleAsync(string id, string role) => RunAsync(async () =>
    {
        await Users.ChangeRoleAsync(id, role, await ActorAsync());
        _users = await Users.ListAsync();
    });

    private Task SetDisabledAsync(string id, bool disabled) => RunAsync(async () =>
    {
        await Users.SetDisabledAsync(id, disabled, await ActorAsync());
        _users = await Users.ListAsync();
    });
}
