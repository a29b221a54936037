using Fleet.Application.Attention;
using Fleet.Application.Inventory;
using Fleet.Application.Procurement;
using Fleet.Domain.Inventory;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fleet.Web.Api;

/// <summary>
/// Daily work over HTTP: <c>PATCH /api/gpus/{serial}</c> (edit a card), <c>/api/locations</c> and <c>/api/hosts/{host}</c>
/// (where cards are), <c>/api/attention</c> (what is waiting), vendor deactivation.
/// </summary>
public static class DailyWorkEndpoints
{
    /// <summary>Binds <c>Fleet:Attention</c> (checked at start-up) over the defaults <c>AddFleetApplication</c> registered.</summary>
    public static IServiceCollection AddFleetDailyWork(this IServiceCollection services)
    {
        services.AddOptions<AttentionOptions>().BindConfiguration(AttentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.RemoveAll<AttentionOptions>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AttentionOptions>>().Value);
        return services;
    }

    public static RouteGroupBuilder MapDailyWorkApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/gpus").WithTags("GPUs").MapPatch("/{serial}", Edit).WithName("EditGpu")
            .WithSummary("Edits a card's fields and placement (fields left out stay; \"\" clears); send expectedVersion or If-Match.")
            .RequireAuthorization(Policies.AnyRole).RequireVersion(Versioned.Gpu)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status403Forbidden);

        var locations = api.MapGroup("/locations").WithTags("Locations").RequireAuthorization(Policies.AnyRole);
        locations.MapGet("/", async (LocationService s, CancellationToken ct) => TypedResults.Ok(await s.DatacentersAsync(ct)))
            .WithName("ListLocations").WithSummary("Datacenters with counts and power.");
        locations.MapGet("/{datacenter}", async Task<Results<Ok<DatacenterRacks>, NotFound<ProblemDetails>>> (string datacenter, LocationService s,
                CancellationToken ct) =>
                TypedResults.Ok(await s.DatacenterAsync(datacenter, ct)))
            .WithName("GetDatacenterLocation").WithSummary("A datacenter's racks with counts and power.");
        locations.MapGet("/{datacenter}/{rack}", async Task<Results<Ok<RackHosts>, NotFound<ProblemDetails>>> (string datacenter, string rack, LocationService s,
                CancellationToken ct) =>
                TypedResults.Ok(await s.RackAsync(datacenter, rack, ct)))
            .WithName("GetRackLocation").WithSummary("A rack's hosts with their slots and cards (empty slots too).");
        api.MapGet("/hosts/{host}", async Task<Results<Ok<HostDetail>, NotFound<ProblemDetails>>> (string host, LocationService s, CancellationToken ct) =>
                TypedResults.Ok(await s.HostAsync(host, ct)))
            .WithTags("Locations").WithName("GetHost").WithSummary("A host's slots, cards, power and placement history.")
            .RequireAuthorization(Policies.AnyRole);

        api.MapGet("/attention", async (AttentionService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithTags("Attention").WithName("ListAttention").WithSummary("What is waiting, with a count and a link to the filtered list.")
            .RequireAuthorization(Policies.AnyRole);

        var vendors = api.MapGroup("/vendors").WithTags("Procurement");
        vendors.MapGet("/{id:int}/detail", async Task<Results<Ok<VendorDetail>, NotFound<ProblemDetails>>> (int id, VendorService s, CancellationToken ct) =>
                TypedResults.Ok(await s.GetAsync(id, ct)))
            .WithName("GetVendorDetail").WithSummary("A vendor with its orders and quotes.").RequireAuthorization(Policies.AnyRole);
        vendors.MapPost("/{id:int}/deactivate", (int id, VendorActivationRequest body, RequestActor actor, VendorService s, CancellationToken ct) =>
                SetActive(id, false, body, actor, s, ct))
            .WithName("DeactivateVendor").WithSummary("Deactivates a vendor: it keeps its history but takes no new orders or quotes.")
            .RequireAuthorization(Policies.Procurement).RequireVersion(Versioned.Vendor);
        vendors.MapPost("/{id:int}/reactivate", (int id, VendorActivationRequest body, RequestActor actor, VendorService s, CancellationToken ct) =>
                SetActive(id, true, body, actor, s, ct))
            .WithName("ReactivateVendor").WithSummary("Reactivates a vendor.").RequireAuthorization(Policies.Procurement).RequireVersion(Versioned.Vendor);
        return api;
    }

    private static async Task<Results<Ok<VendorDetail>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> SetActive(
        int id, bool active, VendorActivationRequest body, RequestActor actor, VendorService s, CancellationToken ct) => TypedResults.Ok(await s.SetActiveAsync(id, active, body, actor, ct));

    private static async Task<Results<Ok<GpuListItem>, ProblemHttpResult, BadRequest<ProblemDetails>, NotFound<ProblemDetails>,
        Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Edit(string serial, GpuEditRequest body, RequestActor actor,
        GpuEditService edits, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await edits.EditAsync(serial, body, actor, ct));
        }
        catch (GpuEditException ex)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The edit breaks a rule; nothing was changed.",
                Detail = DomainExceptionHandler.Shorten(ex.Message),
                Extensions =
                {
                    ["field"] = ex.Errors[0].Field,
                    ["errors"] = ex.Errors.Select(e => new { e.Field, Message = DomainExceptionHandler.Shorten(e.Message, 300) }).ToList(),
                },
            });
        }
    }
}
