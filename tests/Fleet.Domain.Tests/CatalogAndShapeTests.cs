using System.Globalization;
using Fleet.Domain.Catalog;
using Fleet.Domain.Models;

namespace Fleet.Domain.Tests;

public class CatalogAndShapeTests
{
    [SkippableFact]
    public void GpuCatalog_EmbeddedCopy_MatchesSharedReferenceWhenPresent()
    {
        var reference = FindUp("shared/reference/gpu-models.csv");
        Skip.If(reference is null && Environment.GetEnvironmentVariable("CI") != "true", "shared/reference not beside the checkout.");
        Assert.NotNull(reference);
        using var reader = new StreamReader(reference!);
        var expected = GpuCatalog.Parse(reader);
        Assert.Equal(expected.Select(m => (m.Name, m.MemoryGb, m.Bf16Tflops, m.Fp8Tflops, m.TdpW, m.TypicalPriceUsd)),
            GpuCatalog.Models.Select(m => (m.Name, m.MemoryGb, m.Bf16Tflops, m.Fp8Tflops, m.TdpW, m.TypicalPriceUsd)));
    }

    [Fact]
    public void GpuCatalog_H100_HasDatasheetFigures()
    {
        var h100 = GpuCatalog.Find("h100 sxm5 80gb");
        Assert.NotNull(h100);
        Assert.Equal(989, h100!.PeakTflops(Precision.Bf16));
        Assert.Equal(3.35, h100.MemoryBandwidthTbs);
        Assert.Null(GpuCatalog.Find("A100 SXM4 80GB")!.PeakTflops(Precision.Fp8));
    }

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", "H100 SXM5 80GB")]
    [InlineData("NVIDIA H100 PCIe", "H100 PCIe 80GB")]
    [InlineData("NVIDIA H200", "H200 SXM 141GB")]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB")]
    [InlineData("NVIDIA L40S", "L40S 48GB")]
    public void MatchDeviceName_DriverNames_MapToCatalog(string device, string expected) =>
        Assert.Equal(expected, GpuCatalog.MatchDeviceName(device)?.Name);

    [Fact]
    public void MatchDeviceName_UnknownCard_IsNull() => Assert.Null(GpuCatalog.MatchDeviceName("GeForce GTX 1080"));

    [Theory]
    // Published parameter counts of the real models.
    [InlineData("llama-3.1-8b", 8_030_261_248L)]
    [InlineData("llama-3.1-70b", 70_553_706_496L)]
    [InlineData("llama-3.2-1b", 1_235_814_400L)]
    [InlineData("mistral-7b", 7_241_732_096L)]
    public void Parameters_Presets_MatchPublishedCounts(string preset, long published) =>
        Assert.Equal(published, ModelPresets.Find(preset)!.Parameters);

    [Fact]
    public void KvBytesPerToken_Llama8B_Bf16_Is128KiB()
    {
        // 2 (K and V) × 32 layers × 8 KV heads × 128 head dim × 2 bytes.
        Assert.Equal(2 * 32 * 8 * 128 * 2, ModelPresets.Llama31_8B.KvBytesPerToken(2));
    }

    [Fact]
    public void Validate_HeadsNotDividingDim_NamesTheFields()
    {
        var bad = ModelPresets.Stories15M with { Heads = 7 };
        var ex = Assert.Throws<DomainException>(bad.Validate);
        Assert.Contains("heads 7", ex.Message);
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
