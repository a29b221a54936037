using Fleet.Domain.Models;
using Fleet.Inference.Profiling;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Inference.Tests;

public class ProfilerTests
{
    [Fact]
    public void FitPrefill_ExactQuadraticTimings_RecoversCoefficients()
    {
        const double a = 0.012, b = 2.5e-4, c = 3e-8;
        var points = new List<PrefillPoint>();
        foreach (var batch in new[] { 1, 4 })
        {
            foreach (var l in new[] { 128, 512, 1024, 4096 })
            {
                double s = batch * l;
                points.Add(new PrefillPoint(batch, l, a + (b * s) + (c * batch * l * l)));
            }
        }

        var fit = InferenceProfiler.FitPrefill(points);
        Assert.Equal(a, fit.A, 1e-9);
        Assert.Equal(b, fit.B, 1e-12);
        Assert.Equal(c, fit.C, 1e-15);
    }

    [Fact]
    public void FitDecode_NoisyTimings_StayNearTruth()
    {
        const double a = 0.004, b = 3e-9, c = 1.5e-5;
        var noise = new Random(3);
        var points = new List<DecodePoint>();
        foreach (var batch in new[] { 1, 8, 32, 64, 128 })
        {
            foreach (var ctx in new[] { 512, 2048 })
            {
                var t = a + (b * batch * ctx) + (c * batch);
                points.Add(new DecodePoint(batch, ctx, t * (1 + ((noise.NextDouble() - 0.5) * 0.01))));
            }
        }

        var fit = InferenceProfiler.FitDecode(points);
        Assert.Equal(a, fit.A, a * 0.05);
        Assert.Equal(b, fit.B, b * 0.05);
        Assert.Equal(c, fit.C, c * 0.1);
    }

    [Fact]
    public void LeastSquares_OverdeterminedLine_MatchesClosedForm()
    {
        // y = 1, 3, 2 at x = 0, 1, 2: slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² = 0.5, intercept = ȳ − 0.5·x̄ = 1.5.
        var beta = LeastSquares.Fit([[1, 0], [1, 1], [1, 2]], [1, 3, 2]);
        Assert.Equal(1.5, beta[0], 1e-12);
        Assert.Equal(0.5, beta[1], 1e-12);
    }

    [Fact]
    public void LeastSquares_CollinearColumns_Throws()
    {
        // Σctx = B·ctx is B times a constant when only one context is measured.
        var ex = Assert.Throws<ArgumentException>(() => LeastSquares.Fit([[1, 512, 1], [1, 1024, 2], [1, 2048, 4]], [1, 2, 3]));
        Assert.Contains("do not determine", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SyntheticTarget_FitsItsTimeModelAndComputesUtilisation()
    {
        using var target = new SyntheticTarget();
        var shape = ModelPresets.Stories15M with { MaxContext = 4096 };
        var profile = new InferenceProfiler(new FakeTimeProvider()).Run(target, shape, new ProfileRequest("bf16", [1, 8, 64], [512, 2048], 1));

        Assert.Equal(PerformanceProfile.CurrentSchema, profile.Schema);
        Assert.Equal(SyntheticTarget.Pa, profile.Prefill.A, 1e-9);
        Assert.Equal(SyntheticTarget.Pb, profile.Prefill.B, 1e-12);
        Assert.Equal(SyntheticTarget.Pc, profile.Prefill.C, 1e-15);
        Assert.Equal(SyntheticTarget.Da, profile.Decode.A, 1e-9);
        Assert.Equal(SyntheticTarget.Db, profile.Decode.B, 1e-14);
        Assert.Equal(SyntheticTarget.Dc, profile.Decode.C, 1e-10);

        // Memory: 1e9 device − 1e8 weights = 9e8 free; at ctx 2048 each sequence takes 2048·1000 B, workspace 1e6·B.
        // (2048000 + 1e6)·B ≤ 9e8 → B ≤ 295.27.
        Assert.Equal(295, profile.Memory.MaxBatch.Single(m => m.Context == 2048).MaxBatch);

        // Batch 64 at ctx 2048 fits (295) and is measured.
        Assert.Contains(profile.DecodePoints, d => d.Batch == 64 && d.Context == 2048);

        // One decode line per measured batch: at batch B the synthetic step is (Da + Dc·B) + Db·Σctx.
        Assert.Equal([1, 8, 64], profile.DecodeByBatch!.Select(f => f.Batch));
        foreach (var f in profile.DecodeByBatch!)
        {
            Assert.Equal(SyntheticTarget.Da + (SyntheticTarget.Dc * f.Batch), f.A, 1e-12);
            Assert.Equal(SyntheticTarget.Db, f.B, 1e-15);
        }

        // MBU at batch 1, ctx 512: bytes = active params · (1e8 / params) + 1000·512, time = decode(1, 512), bandwidth 1e12.
        var bytes = (shape.ActiveParametersPerToken * (1e8 / shape.Parameters)) + (1000.0 * 512);
        var t = SyntheticTarget.Da + (SyntheticTarget.Db * 512) + SyntheticTarget.Dc;
        Assert.Equal(bytes / t / 1e12, profile.DecodeMbu!.Value, 1e-9);
        // Prefill FLOPs: layer weights for all 2048 tokens, the classifier (vocab · dim) once, attention 2·L²·dim per layer.
        var classifier = (double)shape.VocabSize * shape.Dim;
        var flops = (2.0 * (shape.ActiveParametersPerToken - classifier) * 2048) + (2.0 * classifier) + (2.0 * shape.Layers * 2048.0 * 2048 * shape.Dim);
        var tp = SyntheticTarget.Pa + (SyntheticTarget.Pb * 2048) + (SyntheticTarget.Pc * 2048.0 * 2048);
        Assert.Equal(flops / tp / 1e14, profile.PrefillMfu!.Value, 1e-9);
    }

    [Fact]
    public void CpuCeilings_ReadBandwidth_IsAFiniteRateOfAtLeastOneGBps()
    {
        var bytesPerSecond = CpuCeilings.ReadBandwidth(2, TimeProvider.System, CancellationToken.None);
        Assert.True(double.IsFinite(bytesPerSecond) && bytesPerSecond >= 1e9, $"{bytesPerSecond:E2} B/s");
    }

    [Fact]
    public void Run_BatchTooLargeForMemory_IsSkippedAndReported()
    {
        using var target = new SyntheticTarget();
        var messages = new List<string>();
        var profile = new InferenceProfiler(new FakeTimeProvider()).Run(
            target, ModelPresets.Stories15M with { MaxContext = 4096 }, new ProfileRequest("bf16", [1, 8, 1000], [512, 2048], 1), new ListProgress(messages));
        Assert.DoesNotContain(profile.DecodePoints, d => d.Batch == 1000 && d.Context == 2048);
        Assert.Contains(messages, m => m.Contains("B=1000 ctx=2048: skipped", StringComparison.Ordinal));
    }

    private sealed class ListProgress(List<string> list) : IProgress<string>
    {
        public void Report(string value) => list.Add(value);
    }

    /// <summary>A device whose times follow known formulas, so the profiler's arithmetic can be checked exactly.</summary>
    private sealed class SyntheticTarget : IProfileTarget
    {
        public const double Pa = 0.01, Pb = 1e-4, Pc = 2e-8, Da = 0.003, Db = 4e-9, Dc = 2e-5;

        public string GpuModel => "H100 SXM5 80GB";

        public string DeviceName => "synthetic";

        public long DeviceMemoryBytes => 1_000_000_000;

        public long WeightBytes => 100_000_000;

        public long KvBytesPerToken => 1000;

        public int MaxContext => 4097;

        public long WorkspaceBytes(int batch) => 1_000_000L * batch;

        public ProfileCeilings MeasureCeilings(CancellationToken cancellationToken) => new(1e12, 1e14);

        public double Prefill(int batch, int promptTokens, CancellationToken cancellationToken) =>
            Pa + (Pb * batch * promptTokens) + (Pc * batch * (double)promptTokens * promptTokens);

        public double DecodeStep(int batch, int context, CancellationToken cancellationToken) =>
            Da + (Db * batch * (double)context) + (Dc * batch);

        public void Dispose()
        {
        }
    }
}
