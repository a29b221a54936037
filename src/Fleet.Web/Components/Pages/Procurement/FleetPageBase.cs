using Fleet.Application.Common;
using Fleet.Web.Components.Shared;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Fleet.Web.Components.Pages.Procurement;

/// <summary>What the procurement, RMA and finance pages share: the signed-in actor, a busy flag, and domain errors shown as text.</summary>
public abstract class FleetPageBase : ComponentBase
{
    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private LiveAnnouncer Announcer { get; set; } = default!;

    /// <summary>Amounts written per currency and culture.</summary>
    [Inject]
    protected Money Money { get; set; } = default!;

    protected bool Busy { get; private set; }

    /// <summary>The message of the last refused action (a DomainException's text; never a stack trace).</summary>
    protected string? Error { get; set; }

    protected string? Success { get; set; }

    protected async Task<Actor> ActorAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        return user?.ToActor() ?? throw new ForbiddenException("Sign in first.");
    }

    protected async Task<string> RoleAsync() => (await ActorAsync()).Role;

    /// <summary>Runs <paramref name="action"/> with a progress indicator, turning a refusal into <see cref="Error"/>.</summary>
    protected async Task RunAsync(Func<Task> action, string? success = null)
    {
        Busy = true;
        Error = null;
        Success = null;
        StateHasChanged();
        try
        {
            await action();
            Success = success ?? Success;
        }
        catch (DomainException ex)
        {
            Error = ex.Message;
        }
        finally
        {
            Busy = false;
        }

        if (Error is not null)
        {
            Announcer.Error(Error);
        }
        else if (Success is not null)
        {
            Announcer.Status(Success);
        }
    }
}
