using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Fleet.Web.Api;

/// <summary>
/// The largest body each API route reads: 4 MiB of JSON unless the route says more (CSV imports, packing lists, profiles).
/// A larger one is refused with 413 problem details naming the limit, before it is read.
/// </summary>
public static class RequestBodyLimits
{
    public const long DefaultApiBytes = 4 * 1024 * 1024;

    /// <summary>Lets this route read bodies up to <paramref name="bytes"/>.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>Applies the route's limit to the server's body-size feature (Kestrel enforces it while reading) and to a declared length at once.</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
            ?? (http.Request.Path.StartsWithSegments("/api") ? DefaultApiBytes : null);
        if (limit is { } max)
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = max;
            }

            if (http.Request.ContentLength > max)
            {
                throw new BadHttpRequestException(string.Create(CultureInfo.InvariantCulture,
                    $"The request body is {http.Request.ContentLength:N0} bytes; {http.Request.Path} takes at most {max:N0} bytes ({Describe(max)})."),
                    StatusCodes.Status413PayloadTooLarge);
            }
        }

        await next(http);
    });

    /// <summary>A byte count in words, for messages.</summary>
    public static string Describe(long bytes) => bytes >= 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB");

    private sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}
