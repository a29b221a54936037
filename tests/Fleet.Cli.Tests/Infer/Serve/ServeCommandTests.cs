using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fleet.Cli.Tests.Infer.Serve;

public partial class ServeCommandTests
{
    [Theory]
    [InlineData("--device", "gpu", "--preset", "stories-15m")]
    [InlineData("--preset", "stories-15m", "--checkpoint", "m.bin")]
    [InlineData("--preset", "no-such-model")]
    [InlineData("--preset", "llama-3.1-8b")]
    [InlineData("--preset", "stories-15m", "--max-batch", "0")]
    public async Task Serve_BadOptions_ExitTwoWithOneLine(params string[] options)
    {
        var (code, _, stderr) = await FleetProcess.RunRawAsync(["infer", "serve", .. options, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, code);
        Assert.StartsWith("fleet: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Process_AnswersCompletionsUntilStopped()
    {
        using var p = FleetProcess.Start("infer", "serve", "--preset", "stories-15m", "--context", "64", "--threads", "1", "--urls", "http://127.0.0.1:0");
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(240));
            string? url = null;
            while (url is null && await p.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                if (ServingLine().Match(line) is { Success: true } m)
                {
                    url = m.Groups[1].Value;
                }
            }

            Assert.NotNull(url);
            using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
            using var response = await client.PostAsJsonAsync("v1/completions", new { model = "stories-15m", prompt = "Once", max_tokens = 3, ignore_eos = true, temperature = 0 }, cts.Token);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
            Assert.Equal(3, doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"serving \S+ on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ServingLine();
}
