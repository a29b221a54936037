using Fleet.Application.Common;
using Fleet.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Web.Api;

/// <summary>Turns domain errors into RFC 9457 problem details with the right status; nothing else leaks a stack trace.</summary>
public sealed class DomainExceptionHandler(IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public static int StatusFor(Exception ex) => ex switch
    {
        ValidationException => StatusCodes.Status400BadRequest,
        NotFoundException => StatusCodes.Status404NotFound,
        ForbiddenException => StatusCodes.Status403Forbidden,
        ConcurrencyException => StatusCodes.Status409Conflict,
        DomainException => StatusCodes.Status422UnprocessableEntity,
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var status = StatusFor(exception);
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled error on {Path}", context.Request.Path);
        }

        context.Response.StatusCode = status;
        var details = new ProblemDetails
        {
            Status = status,
            Title = status switch
            {
                400 => "The request is not valid.",
                403 => "Your role may not do this.",
                404 => "Not found.",
                409 => "Conflict with the current state.",
                422 => "The change breaks a rule.",
                _ => "Something went wrong on the server.",
            },
            Detail = status == 500 ? "The error was logged; try again or contact an administrator." : exception.Message,
        };
        if (exception is ValidationException v)
        {
            details.Extensions["parameter"] = v.Parameter;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }
}
