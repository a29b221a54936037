using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Application.Inventory;

/// <summary>Signs and checks opaque tokens (the grid's paging cursors); a token it did not issue, or one altered, is refused.</summary>
public interface ICursorProtector
{
    string Protect(string payload);

    /// <summary>The payload, or null when <paramref name="token"/> was not issued by this protector or was altered.</summary>
    string? Unprotect(string token);
}

/// <summary>HMAC-SHA256 with a key made at start-up: the fallback when no key ring is registered (tools, tests).</summary>
public sealed class HmacCursorProtector : ICursorProtector
{
    private readonly byte[] _key;

    public HmacCursorProtector(byte[]? key = null) => _key = key ?? RandomNumberGenerator.GetBytes(32);

    public string Protect(string payload)
    {
        var data = Encoding.UTF8.GetBytes(payload);
        return Base64Url(data) + "." + Base64Url(HMACSHA256.HashData(_key, data));
    }

    public string? Unprotect(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        try
        {
            var data = FromBase64Url(token[..dot]);
            var mac = FromBase64Url(token[(dot + 1)..]);
            return CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(_key, data)) ? Encoding.UTF8.GetString(data) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}

/// <summary>
/// Where a keyset page starts: the sort, a fingerprint of the filters, and the position of a row (its section of the
/// sort, its sort key and id). <see cref="End"/> marks the position after the last row.
/// </summary>
internal sealed record GpuCursor(
    [property: JsonPropertyName("o")] string Sort,
    [property: JsonPropertyName("f")] string Filters,
    [property: JsonPropertyName("s")] int Section,
    [property: JsonPropertyName("k")] string? Key,
    [property: JsonPropertyName("i")] int Id,
    [property: JsonPropertyName("e")] bool End = false)
{
    public string Encode(ICursorProtector protector) => protector.Protect(JsonSerializer.Serialize(this));

    /// <summary>Reads a cursor for this sort and these filters, else a 400 naming <paramref name="parameter"/>.</summary>
    public static GpuCursor Decode(ICursorProtector protector, string token, string parameter, string sort, string filters)
    {
        var payload = token.Length > 2048 ? null : protector.Unprotect(token);
        GpuCursor? cursor = null;
        if (payload is not null)
        {
            try
            {
                cursor = JsonSerializer.Deserialize<GpuCursor>(payload);
            }
            catch (JsonException)
            {
            }
        }

        if (cursor is null)
        {
            throw new ValidationException(parameter,
                $"The {parameter} cursor is not one this server issued, or it was altered; use the next/previous cursor of a page as it came.");
        }

        if (cursor.Sort != sort || cursor.Filters != filters)
        {
            throw new ValidationException(parameter,
                $"The {parameter} cursor belongs to another sort or other filters; start again from the first page for this query.");
        }

        return cursor;
    }
}
