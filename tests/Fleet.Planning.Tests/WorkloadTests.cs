using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Tests;

public class WorkloadTests
{
    private static (double Mean, double Variance) Moments(TokenDistribution d, int n = 200_000, ulong seed = 9)
    {
        var random = new SeededRandom(seed);
        double sum = 0, sumSquares = 0;
        for (var i = 0; i < n; i++)
        {
            double x = d.Sample(random);
            Assert.True(x >= 1);
            sum += x;
            sumSquares += x * x;
        }

        var mean = sum / n;
        return (mean, (sumSquares / n) - (mean * mean));
    }

    [Fact]
    public void Sample_EachDistribution_HasItsStatedMoments()
    {
        Assert.Equal((7.0, 0.0), Moments(new FixedTokens(7), 1000));

        var uniform = Moments(new UniformTokens(10, 30));
        Assert.InRange(uniform.Mean, 19.9, 20.1);
        Assert.InRange(uniform.Variance, ((21 * 21) - 1) / 12.0 * 0.98, ((21 * 21) - 1) / 12.0 * 1.02);

        var normal = Moments(new NormalTokens(500, 100));
        Assert.InRange(normal.Mean, 499, 501);
        Assert.InRange(Math.Sqrt(normal.Variance), 99, 101);

        var lognormal = Moments(new LognormalTokens(800, 600));
        Assert.InRange(lognormal.Mean, 800 * 0.99, 800 * 1.01);
        Assert.InRange(Math.Sqrt(lognormal.Variance), 600 * 0.97, 600 * 1.03);

        // Geometric on {1, 2, ...} with p = 1/m: mean m, variance (1 − p)/p².
        var geometric = Moments(new GeometricTokens(50));
        Assert.InRange(geometric.Mean, 50 * 0.99, 50 * 1.01);
        Assert.InRange(geometric.Variance, 0.98 / (0.02 * 0.02) * 0.97, 0.98 / (0.02 * 0.02) * 1.03);
    }

    private static Scenario WithArrival(ArrivalSpec arrival, double duration) =>
        TestScenarios.Queue(1, 1, new FixedTokens(1), 0.001, duration) with
        {
            Workload = new WorkloadSpec(arrival, new FixedTokens(1), new FixedTokens(1)),
        };

    [Fact]
    public void Generate_Poisson_CountAndGapsAreExponential()
    {
        var set = RequestGenerator.Generate(WithArrival(new PoissonArrival(50), 2000));

        // 100,000 expected; 3 standard deviations of a Poisson count is ~950.
        Assert.InRange(set.Count, 100_000 - 950, 100_000 + 950);
        var gaps = set.Arrivals.Zip(set.Arrivals.Skip(1), (a, b) => b - a).ToList();
        var cv2 = Variance(gaps) / (gaps.Average() * gaps.Average());
        Assert.InRange(cv2, 0.97, 1.03);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(4.0)]
    public void Generate_Gamma_GapsHaveMeanOneOverRateAndCvSquaredOneOverBurstiness(double burstiness)
    {
        var set = RequestGenerator.Generate(WithArrival(new GammaArrival(20, burstiness), 10_000));

        var gaps = set.Arrivals.Zip(set.Arrivals.Skip(1), (a, b) => b - a).ToList();
        Assert.InRange(gaps.Average(), 0.05 * 0.98, 0.05 * 1.02);
        var cv2 = Variance(gaps) / (gaps.Average() * gaps.Average());
        Assert.InRange(cv2, (1 / burstiness) * 0.95, (1 / burstiness) * 1.05);
    }

    [Fact]
    public void Generate_DailyProfile_FollowsHourlyFactors()
    {
        var factors = Enumerable.Repeat(1.0, 24).ToArray();
        factors[3] = 0;
        factors[10] = 3;
        var set = RequestGenerator.Generate(WithArrival(new DailyArrival(2, factors), 86_400));

        int InHour(int h) => set.Arrivals.Count(t => (int)(t / 3600) == h);
        Assert.Equal(0, InHour(3));
        Assert.InRange(InHour(5), 7200 - 300, 7200 + 300);
        Assert.InRange(InHour(10), 21_600 - 500, 21_600 + 500);
    }

    [Fact]
    public void Generate_SameSeed_SameRequests_OtherLengthsKeepArrivals()
    {
        var scenario = TestScenarios.Queue(1, 10, new GeometricTokens(20), 0.001, 100);

        var a = RequestGenerator.Generate(scenario);
        var b = RequestGenerator.Generate(scenario);
        var otherLengths = RequestGenerator.Generate(scenario with { Workload = scenario.Workload with { OutputTokens = new UniformTokens(1, 9) } });
        var otherSeed = RequestGenerator.Generate(scenario with { Seed = 2 });

        Assert.Equal(a.Arrivals, b.Arrivals);
        Assert.Equal(a.OutputTokens, b.OutputTokens);
        Assert.Equal(a.Arrivals, otherLengths.Arrivals);
        Assert.NotEqual(a.Arrivals, otherSeed.Arrivals);
    }

    [Fact]
    public void SeededRandom_Streams_AreReproducibleUniformAndIndependent()
    {
        var a = SeededRandom.ForStream(1, 1);
        var b = SeededRandom.ForStream(1, 1);
        var c = SeededRandom.ForStream(1, 2);
        const int n = 200_000;
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = a.NextDouble();
            Assert.Equal(x[i], b.NextDouble());
            y[i] = c.NextDouble();
        }

        Assert.InRange(x.Average(), 0.497, 0.503);
        Assert.InRange(Variance(x), (1 / 12.0) * 0.99, (1 / 12.0) * 1.01);
        // Correlation of neighbouring streams: |r| < 4/sqrt(n) ≈ 0.009.
        var covariance = x.Zip(y, (p, q) => (p - 0.5) * (q - 0.5)).Average();
        Assert.InRange(covariance / (1 / 12.0), -0.009, 0.009);
        Assert.All(Enumerable.Range(0, 1000).Select(_ => a.Next(3, 7)), v => Assert.InRange(v, 3, 6));
    }

    private static double Variance(IReadOnlyCollection<double> values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / values.Count;
    }
}
