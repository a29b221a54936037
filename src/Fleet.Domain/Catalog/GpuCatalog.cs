using System.Globalization;
using System.Reflection;

namespace Fleet.Domain.Catalog;

/// <summary>
/// The shipped GPU catalog (a copy of shared/reference/gpu-models.csv, embedded), readable without a database so the
/// engines and the CLI see the same specs as the web app.
/// </summary>
public static class GpuCatalog
{
    private static readonly Lazy<IReadOnlyList<GpuModel>> s_models = new(Load);

    public static IReadOnlyList<GpuModel> Models => s_models.Value;

    /// <summary>Finds a model by catalog name, case-insensitively; null when unknown.</summary>
    public static GpuModel? Find(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds the catalog model a CUDA device name (e.g. "NVIDIA H100 80GB HBM3") most likely is; null when none fits.</summary>
    public static GpuModel? MatchDeviceName(string deviceName)
    {
        var n = deviceName.ToUpperInvariant();
        bool Has(string s) => n.Contains(s, StringComparison.Ordinal);
        string? name =
            Has("H200") ? "H200 SXM 141GB" :
            Has("H100") && (Has("PCIE") || Has("NVL")) ? "H100 PCIe 80GB" :
            Has("H100") ? "H100 SXM5 80GB" :
            Has("A100") && Has("PCIE") ? "A100 PCIe 80GB" :
            Has("A100") ? "A100 SXM4 80GB" :
            Has("L40S") ? "L40S 48GB" :
            Has("B200") ? "B200 180GB" : null;
        return name is null ? null : Find(name);
    }

    private static List<GpuModel> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Fleet.Domain.Catalog.gpu-models.csv")
            ?? throw new InvalidOperationException("The embedded GPU catalog is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    /// <summary>Parses the catalog's own simple CSV (no quoted fields), the header naming the columns.</summary>
    public static List<GpuModel> Parse(TextReader reader)
    {
        var header = (reader.ReadLine() ?? throw new FormatException("The GPU catalog is empty.")).Split(',');
        var index = header.Select((h, i) => (h, i)).ToDictionary(x => x.h.Trim(), x => x.i, StringComparer.OrdinalIgnoreCase);
        var models = new List<GpuModel>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var f = line.Split(',');
            string S(string c) => f[index[c]].Trim();
            double D(string c) => double.Parse(S(c), CultureInfo.InvariantCulture);
            models.Add(new GpuModel
            {
                Name = S("name"),
                Vendor = S("vendor"),
                Architecture = S("architecture"),
                FormFactor = S("form_factor"),
                MemoryGb = int.Parse(S("memory_gb"), CultureInfo.InvariantCulture),
                MemoryBandwidthTbs = D("memory_bandwidth_tbs"),
                Fp64Tflops = D("fp64_tflops"),
                Fp32Tflops = D("fp32_tflops"),
                Tf32Tflops = D("tf32_tflops"),
                Fp16Tflops = D("fp16_tflops"),
                Bf16Tflops = D("bf16_tflops"),
                Fp8Tflops = S("fp8_tflops").Length == 0 ? null : D("fp8_tflops"),
                TdpW = int.Parse(S("tdp_w"), CultureInfo.InvariantCulture),
                TypicalPriceUsd = decimal.Parse(S("typical_price_usd"), CultureInfo.InvariantCulture),
            });
        }

        return models;
    }
}
