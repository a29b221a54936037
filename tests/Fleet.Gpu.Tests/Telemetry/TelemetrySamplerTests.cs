using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;
using Fleet.Gpu.Native;
using Fleet.Gpu.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Gpu.Tests.Telemetry;

public class TelemetrySamplerTests
{
    /// <summary>A source whose counters climb with each read, like a card accumulating energy and errors.</summary>
    private sealed class ClimbingSource : ITelemetrySource
    {
        public int Reads { get; private set; }
        public bool IsAvailable => true;
        public string? UnavailableReason => null;

        public TelemetrySnapshot Read(DateTimeOffset at)
        {
            Reads++;
            return new TelemetrySnapshot
            {
                At = at,
                TemperatureC = 60 + Reads,
                PowerW = 500 + (10 * Reads),
                EnergyJ = 1000.0 * Reads,
                EccCorrectedVolatile = (ulong)(2 * Reads),
                EccUncorrectedVolatile = 0,
                PcieReplayCounter = (uint)Reads,
                ClockEventReasons = Reads == 3 ? (ulong)(ClockEventReasons.SwPowerCap | ClockEventReasons.HwSlowdown) : 0,
            };
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task RunAsync_FakeClockAdvancedFiveIntervals_TakesFiveSamples()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var source = new ClimbingSource();
        var sampler = new TelemetrySampler(source, time, TimeSpan.FromSeconds(2));
        using var cts = new CancellationTokenSource();
        var run = sampler.RunAsync(cts.Token);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            await WaitFor(() => sampler.Samples.Count == i + 1);
        }

        await cts.CancelAsync();
        await run;
        Assert.Equal(5, sampler.Samples.Count);
        Assert.Equal(Enumerable.Range(1, 5).Select(k => time.Start.AddSeconds(2 * k)), sampler.Samples.Select(s => s.At));
    }

    [Fact]
    public void Summarise_BeforeSamplesAfter_ReportsDeltasAndMaxima()
    {
        var source = new ClimbingSource();
        var at = DateTimeOffset.UnixEpoch;
        var before = source.Read(at);                                      // read 1
        var samples = new[] { source.Read(at), source.Read(at) };           // reads 2, 3
        var after = source.Read(at);                                       // read 4
        var s = TelemetrySampler.Summarise(source, TimeSpan.FromSeconds(1), before, after, samples);
        Assert.Equal(3000, s.EnergyJ);              // 4000 − 1000 J
        Assert.Equal(6, s.EccCorrectedDelta);       // 8 − 2
        Assert.Equal(0, s.EccUncorrectedDelta);
        Assert.Equal(3, s.PcieReplayDelta);         // 4 − 1
        Assert.Equal(64, s.MaxTemperatureC);
        Assert.Equal(540, s.MaxPowerW);
        Assert.Equal(["SwPowerCap", "HwSlowdown"], s.ClockEventReasonsSeen);
        Assert.Equal(2, s.Samples.Count);
    }

    [Fact]
    public async Task RunAsync_UnavailableSource_ReturnsWithoutSamples()
    {
        var sampler = new TelemetrySampler(new NoTelemetrySource("none here"), TimeProvider.System, TimeSpan.FromMilliseconds(1));
        await sampler.RunAsync(CancellationToken.None);
        Assert.Empty(sampler.Samples);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(2);
        }

        Assert.True(condition());
    }
}
