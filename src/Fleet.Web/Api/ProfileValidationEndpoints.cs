using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary><c>/api/profiles/validations</c>: <c>fleet plan validate --json</c> results, predicted against measured.</summary>
public static class ProfileValidationEndpoints
{
    public static RouteGroupBuilder MapProfileValidationApi(this RouteGroupBuilder api)
    {
        var validations = api.MapGroup("/profiles/validations").WithTags("Planning");
        validations.MapGet("/", async (ProfileValidationService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListProfileValidations").WithSummary("Stored validate results, newest first.").RequireAuthorization(Policies.AnyRole);
        validations.MapPost("/", Upload).WithName("UploadProfileValidation")
            .WithSummary("Stores a `fleet plan validate --json` result; ?profileId= links it to a stored profile, ?label= names it.")
            .RequireAuthorization(Policies.Agent)
            .WithBodyLimit(ProfileValidationService.MaxJsonChars + RequestBodyLimits.DefaultApiBytes);
        return api;
    }

    /// <summary>The query of <c>POST /api/profiles/validations</c>: the stored profile it validates and a label, both optional.</summary>
    public sealed record UploadValidationRequest([FromQuery(Name = "profileId")] int? ProfileId, [FromQuery(Name = "label")] string? Label);

    private static async Task<Results<Created<ProfileValidationItem>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Upload(
        HttpContext http, RequestActor actor, [AsParameters] UploadValidationRequest query, ProfileValidationService s, CancellationToken ct)
    {
        var (profileId, label) = (query.ProfileId, query.Label);
        using var reader = new StreamReader(http.Request.Body);
        var json = await reader.ReadToEndAsync(ct);
        if (json.Contains('\0', StringComparison.Ordinal) || json.Contains("\\u0000", StringComparison.OrdinalIgnoreCase) || label?.Contains('\0', StringComparison.Ordinal) == true)
        {
            throw new ValidationException("body", "The validation result contains a NUL character (U+0000), which text may not hold.");
        }

        var item = await s.UploadAsync(json, profileId, label, actor, ct);
        return TypedResults.Created($"/api/profiles/validations/{item.Id}", item);
    }
}
