using System.Net.Http.Headers;
using System.Text;
using Fleet.Domain.Contracts.Profiles;

namespace Fleet.Cli.Infer;

/// <summary>
/// <c>fleet infer profile --report URL --token T</c>: checks the measured profile with the server's own validator, then
/// POSTs it to <c>/api/profiles</c>. A document the validator refuses is never sent.
/// </summary>
public static class ProfileReporter
{
    public const string ProfilesPath = "api/profiles";

    /// <summary>Uploads <paramref name="json"/>; returns null when stored, else what went wrong (one line per problem).</summary>
    public static async Task<string?> ReportAsync(string json, string server, string? token, HttpMessageHandler? handler = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = InferenceProfileValidator.Validate(json);
        if (errors.Count > 0)
        {
            return "the profile is not valid fleet.inference-profile/v1, nothing was sent:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
        }

        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var root) || (root.Scheme != Uri.UriSchemeHttp && root.Scheme != Uri.UriSchemeHttps))
        {
            return $"--report '{server}' is not an http:// or https:// URL";
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            return "--report needs a token: pass --token or set FLEET_TOKEN";
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(60);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, ProfilesPath)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await response.Content.ReadAsStringAsync(ct);
            return $"the server refused the profile ({(int)response.StatusCode}): {(body.Length > 2000 ? body[..2000] : body)}";
        }
        catch (HttpRequestException ex)
        {
            return $"could not reach {root}: {ex.Message}";
        }
    }
}
