using Bunit;
using Fleet.Application.Common;
using Fleet.Application.Finance;
using Fleet.Domain.Models;
using Fleet.Web.Components.Pages.Finance;
using Fleet.Web.Tests.Components;

namespace Fleet.Web.Tests.Planning;

/// <summary>The profiles page: per (GPU model, transformer model, dtype) the newest profile, its fits, points and charts beside the roofline.</summary>
public sealed class ProfileCardTests : ComponentTestContext
{
    /// <summary>An H100 profile of llama-3.1-8b in bf16: decode fit 8 ms + 1 µs per context token + 0.1 ms per sequence.</summary>
    private static string H100Profile(string device, string measuredAt) => $$"""
        {"schema":"fleet.inference-profile/v1","gpuModel":"H100 SXM5 80GB","device":"{{device}}","model":"llama-3.1-8b","dtype":"bf16",
         "measuredAtUtc":"{{measuredAt}}","decodeMbu":0.62,"prefillMfu":0.41,
         "ceilings":{"bandwidthBytesPerSecond":3.0e12,"matmulFlopsPerSecond":7.0e14},
         "prefill":{"a":0.001,"b":0.00001,"c":0},"decode":{"a":0.008,"b":0.000001,"c":0.0001},
         "memory":{"deviceMemoryBytes":85899345920,"weightBytes":16000000000,"kvBytesPerToken":131072,"maxBatch":[]},
         "decodePoints":[{"batch":1,"context":1024,"seconds":0.0095},{"batch":16,"context":1024,"seconds":0.04},{"batch":1,"context":4096,"seconds":0.013}]}
        """;

    [Fact]
    public async Task Render_TwoUploadsOfOneKey_ShowsNewestWithPointsFitsRooflineAndEarlier()
    {
        var finance = Services.GetRequiredService<FinanceService>();
        var tech = new Actor("tech", "Technician");
        await finance.UploadProfileAsync(H100Profile("NVIDIA H100 80GB HBM3 (old)", "2026-10-01T08:00:00Z"), tech);
        await finance.UploadProfileAsync(H100Profile("NVIDIA H100 80GB HBM3", "2026-11-20T09:30:00Z"), tech);

        var cut = Render<ProfilesPage>();

        var group = Assert.Single(cut.WaitForElements("[data-testid='profile-group']"));
        Assert.Equal("H100 SXM5 80GB", group.GetAttribute("data-gpu"));
        Assert.Contains("NVIDIA H100 80GB HBM3", group.QuerySelector("[data-testid='profile-measured-on']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("2026-11-20 09:30", group.QuerySelector("[data-testid='profile-measured-on']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("62.0 %", group.QuerySelector("[data-testid='profile-mbu']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("41.0 %", group.QuerySelector("[data-testid='profile-mfu']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("(old)", group.QuerySelector("[data-testid='profile-earlier']")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(group.QuerySelector("[data-testid='profile-batch-chart'] svg"));
        Assert.NotNull(group.QuerySelector("[data-testid='profile-context-chart'] svg"));
        var rows = group.QuerySelectorAll("[data-testid='profile-points'] tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(3, rows.Count);
        // batch 16 at 1,024 tokens: measured 40 ms; fit 8 + 16,384 × 0.001 + 16 × 0.1 = 25.984 ms.
        Assert.Equal(["16", "1024", "40 ms", "25.984 ms"], rows[1][..4]);
    }

    [Fact]
    public void RooflineDecodeSeconds_Llama8bBf16OnH100Batch1_IsWeightsOverThreeQuartersOfBandwidth()
    {
        var profile = System.Text.Json.JsonSerializer.Deserialize<PerformanceProfile>(H100Profile("d", "2026-11-20T00:00:00Z"), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

        var roofline = ProfileCharts.RooflineFor(profile);

        // 8.03e9 parameters × 2 bytes ≈ 16.1 GB (+ 0.13 GB of KV) over 3.35 TB/s × 0.75 ≈ 6.4 ms; bandwidth-bound at batch 1.
        Assert.NotNull(roofline);
        var ms = ProfileCharts.RooflineDecodeSeconds(roofline, 1, 1024) * 1000;
        Assert.InRange(ms, 6.2, 6.7);
    }

    [Fact]
    public void AgainstBatch_PointsAtTwoContexts_HoldsTheContextWithMostPointsAndLeavesGaps()
    {
        var profile = System.Text.Json.JsonSerializer.Deserialize<PerformanceProfile>(H100Profile("d", "2026-11-20T00:00:00Z"), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

        var chart = ProfileCharts.AgainstBatch(profile);
        var byContext = ProfileCharts.AgainstContext(profile);

        Assert.Equal(1024, chart.HeldAt);
        Assert.Equal(["1", "16"], chart.Labels);
        Assert.Equal([ProfileCharts.Measured, ProfileCharts.Fit, ProfileCharts.Roofline], chart.Series.Select(s => s.Name));
        Assert.Equal(1, byContext.HeldAt);
        Assert.Equal(["1024", "4096"], byContext.Labels);
    }
}
