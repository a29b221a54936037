using System.Globalization;
using System.Text.Json;
using Fleet.Application.Common;
using Fleet.Data;
using Fleet.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Web.Api;

/// <summary>
/// Turns every error into RFC 9457 problem details with the right status: domain rules, malformed requests (bad JSON,
/// too large), unique keys taken by a concurrent writer (409), an unreachable database (503 with Retry-After). Nothing
/// leaks a stack trace, and no detail echoes a huge input back.
/// <para>
/// The services report errors by throwing, so a handler's declared <c>Results&lt;Ok&lt;T&gt;, NotFound&lt;ProblemDetails&gt;, ...&gt;</c>
/// names, for the OpenAPI document, the problems this handler writes for it: <see cref="StatusFor"/> maps each exception
/// to the status its union member declares (ValidationException 400, NotFoundException 404, ConcurrencyException and
/// DuplicateException 409, DomainException 422).
/// </para>
/// </summary>
public sealed class DomainExceptionHandler(IProblemDetailsService problems, IDatabaseProvider database, ILogger<DomainExceptionHandler> logger)
    : IExceptionHandler
{
    /// <summary>How long a client should wait before retrying while the database is unavailable.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The most characters of a message a problem's detail carries.</summary>
    public const int MaxDetail = 1000;

    public static int StatusFor(Exception ex) => ex switch
    {
        ValidationException or FieldValueException or JsonException => StatusCodes.Status400BadRequest,
        NotFoundException => StatusCodes.Status404NotFound,
        ForbiddenException => StatusCodes.Status403Forbidden,
        ConcurrencyException or DuplicateException => StatusCodes.Status409Conflict,
        DomainException => StatusCodes.Status422UnprocessableEntity,
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Cuts <paramref name="text"/> to <paramref name="max"/> characters, saying how much was left out.</summary>
    public static string? Shorten(string? text, int max = MaxDetail) => text is null || text.Length <= max
        ? text
        : string.Concat(text.AsSpan(0, max), string.Create(CultureInfo.InvariantCulture, $"… ({text.Length - max:N0} more characters)"));

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var details = Describe(context, exception);
        if (details.Status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled error on {Path}", context.Request.Path);
        }
        else if (details.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning(exception, "Database unavailable on {Path}", context.Request.Path);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = details.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    private ProblemDetails Describe(HttpContext context, Exception exception)
    {
        var status = StatusFor(exception);
        if (status == StatusCodes.Status500InternalServerError)
        {
            switch (database.Classify(exception))
            {
                case DatabaseErrorKind.UniqueViolation:
                    var entity = (exception as DbUpdateException)?.Entries.Select(e => e.Metadata.ClrType.Name).FirstOrDefault(n => n != "AuditEntry");
                    return new ProblemDetails
                    {
                        Status = StatusCodes.Status409Conflict,
                        Title = "It already exists.",
                        Detail = $"{(entity is null ? "A record" : $"A {entity}")} with the same name, number or serial already exists: another " +
                            "request created it at the same moment. Nothing was written; reload to see it.",
                    };
                case DatabaseErrorKind.Unavailable:
                    return new ProblemDetails
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Title = "The database is not available.",
                        Detail = string.Create(CultureInfo.InvariantCulture,
                            $"The database did not answer; nothing was written. Try again in {RetryAfterSeconds} seconds."),
                    };
            }
        }

        var details = new ProblemDetails
        {
            Status = status,
            Title = status switch
            {
                400 => "The request is not valid.",
                403 => "Your role may not do this.",
                404 => "Not found.",
                409 => "Conflict with the current state.",
                413 => "The request is too large.",
                415 => "The request's content type is not accepted here.",
                422 => "The change breaks a rule.",
                _ => "Something went wrong on the server.",
            },
            Detail = status == StatusCodes.Status500InternalServerError
                ? "The error was logged; try again or contact an administrator."
                : Shorten(MessageOf(context, exception, status)),
        };
        switch (exception)
        {
            case ValidationException v:
                details.Extensions["parameter"] = v.Parameter;
                break;
            case DuplicateException d:
                details.Extensions["parameter"] = d.Parameter;
                break;
            case FieldValueException f:
                details.Extensions["parameter"] = f.Field;
                break;
            case Fleet.Domain.Contracts.Profiles.ContractValidationException c:
                details.Extensions["errors"] = c.Errors.Take(100).Select(e => Shorten(e, 500)).ToList();
                break;
        }

        if (JsonErrorOf(exception) is { Path: { } path })
        {
            details.Extensions["path"] = path;
        }

        return details;
    }

    private static JsonException? JsonErrorOf(Exception exception) =>
        DatabaseErrors.Chain(exception).OfType<JsonException>().FirstOrDefault();

    private static string MessageOf(HttpContext context, Exception exception, int status)
    {
        if (JsonErrorOf(exception) is { } json)
        {
            // System.Text.Json names the path, line and byte; it never repeats the offending value.
            return $"The body is not valid JSON for this route: {json.Message}";
        }

        if (status == StatusCodes.Status413PayloadTooLarge && exception is BadHttpRequestException
            && !exception.Message.Contains("at most", StringComparison.Ordinal)
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } max)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"The request body is larger than the server's limit of {max:N0} bytes ({RequestBodyLimits.Describe(max)}) for {context.Request.Path}.");
        }

        return exception.Message;
    }
}
