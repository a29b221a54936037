using Fleet.Domain.Catalog;
using Fleet.Domain.Models;

namespace Fleet.Domain.BurnIn;

/// <summary>What a profile campaign must name: a known model preset, a weight type the engines hold, and at least one catalog GPU model.</summary>
public sealed record ProfileCampaignSpec(ModelShape Preset, string Dtype, IReadOnlyList<GpuModel> Models);

/// <summary>
/// The rule of a profile campaign (a campaign of kind <see cref="BurnInCampaignKind.Profile"/>): it measures
/// <c>fleet infer profile</c> for one preset and dtype on one card of each chosen GPU model.
/// </summary>
public static class ProfileCampaignRule
{
    /// <summary>The weight types the inference engines hold (the CPU engine f32; the GPU engine bf16 and f16).</summary>
    public static IReadOnlyList<string> Dtypes { get; } = ["f32", "bf16", "f16"];

    /// <summary>The weight type when a campaign names none.</summary>
    public const string DefaultDtype = "bf16";

    /// <summary>Checks a profile campaign's preset, dtype and models; throws a <see cref="DomainException"/> naming what is wrong.</summary>
    public static ProfileCampaignSpec Check(string? preset, string? dtype, IReadOnlyList<string>? models)
    {
        if (string.IsNullOrWhiteSpace(preset))
        {
            throw new DomainException($"A profile campaign needs a model preset. Known: {Known()}.");
        }

        var shape = ModelPresets.Find(preset.Trim())
            ?? throw new DomainException($"Unknown model preset '{Clip(preset)}' for a profile campaign. Known: {Known()}.");
        var type = NormaliseDtype(dtype);
        var names = (models ?? []).Select(m => m?.Trim() ?? "").Where(m => m.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count == 0)
        {
            throw new DomainException($"A profile campaign needs at least one GPU model. Known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))}.");
        }

        var unknown = names.Where(n => GpuCatalog.Find(n) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new DomainException($"Unknown GPU model(s) for a profile campaign: {string.Join(", ", unknown.Select(Clip))}. " +
                $"Known: {string.Join(", ", GpuCatalog.Models.Select(m => m.Name))}.");
        }

        return new ProfileCampaignSpec(shape, type, names.Select(n => GpuCatalog.Find(n)!).DistinctBy(m => m.Name).ToList());
    }

    /// <summary>f32/fp32/float32 → f32, bf16, f16/fp16 → f16; null or blank → <see cref="DefaultDtype"/>.</summary>
    public static string NormaliseDtype(string? dtype) => dtype?.Trim().ToLowerInvariant() switch
    {
        null or "" => DefaultDtype,
        "f32" or "fp32" or "float32" => "f32",
        "bf16" or "bfloat16" => "bf16",
        "f16" or "fp16" or "float16" => "f16",
        _ => throw new DomainException($"Unknown dtype '{Clip(dtype!)}' for a profile campaign. Known: {string.Join(", ", Dtypes)}."),
    };

    private static string Known() => string.Join(", ", ModelPresets.All.Select(p => p.Name));

    private static string Clip(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
