using System.Globalization;
using System.Text;
using Fleet.Application.BurnIn;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary>
/// <c>/api/burnin</c> (campaigns: Technician creates, every reader reads), <c>/api/agent</c> (the agent protocol: Agent
/// claims, heartbeats and posts results) and <c>/api/gpus/{serial}/burnin</c> (a card's runs).
/// </summary>
public static class BurnInEndpoints
{
    /// <summary>Optional header naming the agent that claimed the job; when sent it must match the holder.</summary>
    public const string AgentIdHeader = "Fleet-Agent-Id";

    /// <summary>The largest profile a profile job posts (the limit of <c>POST /api/profiles</c>).</summary>
    private const long MaxProfileBytes = 4L << 20;

    public static RouteGroupBuilder MapBurnInApi(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/burnin/campaigns").WithTags("Burn-in");
        campaigns.MapPost("/", CreateAsync).WithName("CreateBurnInCampaign")
            .WithSummary("Creates a campaign (one job per host) from serials or an inventory filter; Received cards move to BurnIn.")
            .RequireAuthorization(Policies.Technician);
        campaigns.MapGet("/", async (BurnInQueries q, CancellationToken ct) => TypedResults.Ok(await q.CampaignsAsync(ct)))
            .WithName("ListBurnInCampaigns").WithSummary("Campaigns, newest first, with jobs by state and cards passed / failed / pending.")
            .RequireAuthorization(Policies.AnyRole);
        campaigns.MapGet("/{id:int}", async Task<Results<Ok<CampaignDetail>, NotFound<ProblemDetails>>> (int id, BurnInQueries q, CancellationToken ct) =>
                TypedResults.Ok(await q.CampaignAsync(id, ct)))
            .WithName("GetBurnInCampaign").WithSummary("One campaign's progress: every job, every card, the failing findings.")
            .RequireAuthorization(Policies.AnyRole);

        api.MapPost("/burnin/runs", OneOffAsync).WithTags("Burn-in").WithName("PostBurnInOneOffRun")
            .WithSummary("Stores a one-off fleet.burnin/v1 run (fleet gpu burnin --report) for the cards it names, matched by UUID then serial; idempotent on runId.")
            .RequireAuthorization(Policies.TechnicianOrAgent).DisableAntiforgery()
            .WithBodyLimit(((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<BurnInOptions>().MaxResultBytes + RequestBodyLimits.DefaultApiBytes)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        var agent = api.MapGroup("/agent").WithTags("Agent");
        agent.MapPost("/claim", ClaimAsync).WithName("ClaimBurnInJob")
            .WithSummary("Hands the host's next queued job to this agent (200), or 204 when there is none.").RequireAuthorization(Policies.Agent);
        agent.MapPost("/jobs/{id:long}/heartbeat", HeartbeatAsync).WithName("HeartbeatBurnInJob")
            .WithSummary("The holder's progress; extends the lease. 409 when the caller does not hold the job.").RequireAuthorization(Policies.Agent);
        agent.MapPost("/jobs/{id:long}/results", ResultsAsync).WithName("PostBurnInResults")
            .WithSummary("Stores a fleet.burnin/v1 document for the held job; idempotent on runId (different content: 409).")
            .RequireAuthorization(Policies.Agent).DisableAntiforgery()
            // Past the API's default: the handler reads up to Fleet:BurnIn:MaxResultBytes and says so itself when a body is over.
            .WithBodyLimit(((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<BurnInOptions>().MaxResultBytes + RequestBodyLimits.DefaultApiBytes)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        agent.MapPost("/jobs/{id:long}/profile", ProfileAsync).WithName("PostProfileJobResult")
            .WithSummary("Stores the fleet.inference-profile/v1 document of the held profile job as measured on its card; a profile that breaks the contract fails the job (422) and stores nothing.")
            .RequireAuthorization(Policies.Agent).DisableAntiforgery()
            .WithBodyLimit(MaxProfileBytes + RequestBodyLimits.DefaultApiBytes).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        api.MapGet("/gpus/{serial}/burnin", async Task<Results<Ok<IReadOnlyList<GpuBurnInRunItem>>, NotFound<ProblemDetails>>> (string serial, BurnInQueries q,
                CancellationToken ct) => TypedResults.Ok(await q.GpuRunsAsync(serial, ct)))
            .WithTags("GPUs").WithName("GetGpuBurnInRuns").WithSummary("The card's burn-in runs, newest first.").RequireAuthorization(Policies.AnyRole);
        return api;
    }

    private static async Task<Results<Created<CreateCampaignResponse>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>>
        CreateAsync(CreateCampaignRequest body, RequestActor actor, CreateBurnInCampaign create, CancellationToken ct)
    {
        var created = await create.CreateAsync(body, actor, ct);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/burnin/campaigns/{created.Id}"), created);
    }

    private static async Task<Results<Ok<ClaimResponse>, NoContent, BadRequest<ProblemDetails>>> ClaimAsync(ClaimRequest body, RequestActor actor, ClaimBurnInJob claim,
        CancellationToken ct) =>
        await claim.ClaimAsync(body, actor, ct) is { } job ? TypedResults.Ok(job) : TypedResults.NoContent();

    private static async Task<Results<Ok<HeartbeatResponse>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>>
        HeartbeatAsync(long id, HeartbeatRequest body, HttpContext http, RequestActor actor, HeartbeatBurnInJob heartbeat, CancellationToken ct) =>
        TypedResults.Ok(await heartbeat.HeartbeatAsync(id, body, actor, AgentId(http), ct));

    private static async Task<Results<Ok<ResultResponse>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>,
        UnprocessableEntity<ProblemDetails>>> ResultsAsync(long id, HttpContext http, RequestActor actor, IngestBurnInResult ingest, BurnInOptions options,
        CancellationToken ct)
    {
        var json = await ReadBodyAsync(http.Request, options.MaxResultBytes, ct);
        return TypedResults.Ok(await ingest.PostAsync(id, json, actor, AgentId(http), ct));
    }

    private static async Task<Results<Ok<ProfileResultResponse>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>,
        UnprocessableEntity<ProblemDetails>>> ProfileAsync(long id, HttpContext http, RequestActor actor, IngestProfileResult ingest, CancellationToken ct)
    {
        var json = await ReadBodyAsync(http.Request, MaxProfileBytes, ct);
        return TypedResults.Ok(await ingest.PostAsync(id, json, actor, AgentId(http), ct));
    }

    private static async Task<Results<Ok<OneOffResultResponse>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>, UnprocessableEntity<ProblemDetails>>>
        OneOffAsync(HttpContext http, RequestActor actor, IngestBurnInResult ingest, BurnInOptions options, CancellationToken ct)
    {
        var json = await ReadBodyAsync(http.Request, options.MaxResultBytes, ct);
        return TypedResults.Ok(await ingest.PostOneOffAsync(json, actor, ct));
    }

    private static string? AgentId(HttpContext http) => http.Request.Headers[AgentIdHeader].ToString() is { Length: > 0 } a ? a : null;

    /// <summary>Reads the body as UTF-8, refusing (413) anything longer than <paramref name="max"/> bytes before it is parsed.</summary>
    private static async Task<string> ReadBodyAsync(HttpRequest request, long max, CancellationToken ct)
    {
        var tooLarge = string.Create(CultureInfo.InvariantCulture, $"The result is larger than the {max:N0} bytes the server accepts (Fleet:BurnIn:MaxResultBytes).");
        if (request.ContentLength > max)
        {
            throw new BadHttpRequestException(tooLarge, StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new BadHttpRequestException(tooLarge, StatusCodes.Status413PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new Fleet.Application.Common.ValidationException("body", "The result is not UTF-8 text.");
        }
    }
}
