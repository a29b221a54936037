using System.Net;
using Fleet.Cli.Infer;

namespace Fleet.Cli.Tests.Infer;

public class ProfileReporterTests
{
    private const string Valid = """
        {"schema":"fleet.inference-profile/v1","gpuModel":"H100 SXM5 80GB","model":"llama-3.1-8b","dtype":"bf16",
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
         "decodePoints":[{"batch":16,"context":1024,"seconds":0.04}]}
        """;

    /// <summary>Records what would go over the wire and answers with a fixed status.</summary>
    private sealed class Recorder(HttpStatusCode status) : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri? Uri, string? Auth, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.Method, request.RequestUri, request.Headers.Authorization?.ToString(), await request.Content!.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(status) { Content = new StringContent("{\"title\":\"refused\"}") };
        }
    }

    [Fact]
    public async Task ReportAsync_ValidProfile_PostsItToApiProfilesWithTheToken()
    {
        using var server = new Recorder(HttpStatusCode.OK);

        var problem = await ProfileReporter.ReportAsync(Valid, "http://fleet.example:8080", "tok-123", server);

        Assert.Null(problem);
        var sent = Assert.Single(server.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal("http://fleet.example:8080/api/profiles", sent.Uri!.ToString());
        Assert.Equal("Bearer tok-123", sent.Auth);
        Assert.Equal(Valid, sent.Body);
    }

    [Fact]
    public async Task ReportAsync_InvalidProfile_SendsNothingAndNamesEveryPath()
    {
        using var server = new Recorder(HttpStatusCode.OK);
        var bad = Valid.Replace("\"matmulFlopsPerSecond\":7.0e14", "\"matmulFlopsPerSecond\":-1", StringComparison.Ordinal)
            .Replace("\"model\":\"llama-3.1-8b\"", "\"model\":\"gpt-5\"", StringComparison.Ordinal);

        var problem = await ProfileReporter.ReportAsync(bad, "http://fleet.example", "tok", server);

        Assert.Empty(server.Requests);
        Assert.NotNull(problem);
        Assert.Contains("$.ceilings.matmulFlopsPerSecond: must be > 0", problem, StringComparison.Ordinal);
        Assert.Contains("$.model: unknown model 'gpt-5'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportAsync_ServerRefuses_SaysTheStatus()
    {
        using var server = new Recorder(HttpStatusCode.Forbidden);

        var problem = await ProfileReporter.ReportAsync(Valid, "http://fleet.example", "tok", server);

        Assert.Contains("(403)", problem, StringComparison.Ordinal);
    }
}
