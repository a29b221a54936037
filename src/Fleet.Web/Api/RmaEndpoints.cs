using Fleet.Application.Rma;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RmaChange = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<Fleet.Application.Rma.RmaCaseItem>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.UnprocessableEntity<Microsoft.AspNetCore.Mvc.ProblemDetails>>;

namespace Fleet.Web.Api;

/// <summary><c>/api/rma</c>: returns of failed cards. Technicians open and move cases, Finance records credits; every role reads.</summary>
public static class RmaEndpoints
{
    /// <summary>The body of <c>POST /api/rma</c>: which card, and the case's details.</summary>
    public sealed record OpenRmaBody(string? Serial, string? Reason, string? Evidence, string? VendorCaseNumber, bool AdvanceReplacement);

    public sealed record ShipRmaBody(string? TrackingNumber, DateTime? ShippedAt, string? VendorCaseNumber, long? ExpectedVersion);

    public sealed record WithdrawRmaBody(string? Reason, long? ExpectedVersion);

    public static RouteGroupBuilder MapRmaApi(this RouteGroupBuilder api)
    {
        var rma = api.MapGroup("/rma").WithTags("RMA");
        rma.MapGet("/", async (RmaService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListRmaCases").WithSummary("Every RMA case, newest first.").RequireAuthorization(Policies.AnyRole);
        rma.MapGet("/queue", async (RmaService s, CancellationToken ct) => TypedResults.Ok(await s.QueueAsync(ct)))
            .WithName("RmaQueue").WithSummary("Failed cards without a case and open cases by age and vendor, with warranty status.")
            .RequireAuthorization(Policies.AnyRole);
        rma.MapGet("/{id:int}", async Task<Results<Ok<RmaCaseItem>, NotFound<ProblemDetails>>> (int id, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.GetAsync(id, ct)))
            .WithName("GetRmaCase").WithSummary("One RMA case.").RequireAuthorization(Policies.AnyRole).WithETag(Versioned.RmaCase);
        rma.MapPost("/", async Task<RmaChange> (OpenRmaBody body, RequestActor actor, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.OpenAsync(body.Serial ?? "", new OpenRmaRequest(body.Reason, body.Evidence, body.VendorCaseNumber, body.AdvanceReplacement),
                    actor, ct)))
            .WithName("OpenRmaCase").WithSummary("Opens a case for a Failed card (→ RmaPending).").RequireAuthorization(Policies.Technician);
        rma.MapPost("/{id:int}/ship", async Task<RmaChange> (int id, ShipRmaBody body, RequestActor actor, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.ShipAsync(id, new ShipRmaRequest(body.TrackingNumber, body.ShippedAt, body.VendorCaseNumber),
                    actor, body.ExpectedVersion, ct)))
            .WithName("ShipRmaCase").WithSummary("Records the shipment (→ RmaShipped).").RequireAuthorization(Policies.Technician)
            .RequireVersion(Versioned.RmaCase);
        rma.MapPost("/{id:int}/replacement", async Task<RmaChange> (int id, ReplacementRequest body, RequestActor actor, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.ReceiveReplacementAsync(id, body, actor, ct)))
            .WithName("ReceiveRmaReplacement").WithSummary("Receives the replacement card, linked to the one it replaces.").RequireAuthorization(Policies.Technician)
            .RequireVersion(Versioned.RmaCase);
        rma.MapPost("/{id:int}/credit", async Task<RmaChange> (int id, CreditRequest body, RequestActor actor, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.CreditAsync(id, body, actor, ct)))
            .WithName("CreditRmaCase").WithSummary("Records a vendor credit on a case that is not closed (Finance); it lowers the replacement's cost.")
            .RequireAuthorization(Policies.Finance)
            .RequireVersion(Versioned.RmaCase);
        rma.MapPost("/{id:int}/withdraw", async Task<RmaChange> (int id, WithdrawRmaBody body, RequestActor actor, RmaService s, CancellationToken ct) =>
                TypedResults.Ok(await s.WithdrawAsync(id, new WithdrawRmaRequest(body.Reason), actor, body.ExpectedVersion, ct)))
            .WithName("WithdrawRmaCase").WithSummary("Withdraws an unshipped case: no fault found (→ Validated).").RequireAuthorization(Policies.Technician)
            .RequireVersion(Versioned.RmaCase);
        return api;
    }
}
