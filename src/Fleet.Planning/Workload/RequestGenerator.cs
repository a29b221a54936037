using Fleet.Planning.Scenarios;

namespace Fleet.Planning.Workload;

/// <summary>The requests of one run, struct-of-arrays, sorted by arrival.</summary>
public sealed class RequestSet
{
    public RequestSet(double[] arrivals, int[] promptTokens, int[] outputTokens)
    {
        if (arrivals.Length != promptTokens.Length || arrivals.Length != outputTokens.Length)
        {
            throw new ArgumentException("Request arrays differ in length.", nameof(promptTokens));
        }

        Arrivals = arrivals;
        PromptTokens = promptTokens;
        OutputTokens = outputTokens;
    }

    public double[] Arrivals { get; }
    public int[] PromptTokens { get; }
    public int[] OutputTokens { get; }
    public int Count => Arrivals.Length;
}

/// <summary>
/// Draws a scenario's requests. Arrival times and lengths come from separate <see cref="SeededRandom"/> streams of the scenario seed,
/// so changing a length distribution leaves the arrival times alone (common random numbers across what-ifs).
/// </summary>
public static class RequestGenerator
{
    /// <summary>Every request arriving in [0, duration).</summary>
    public static RequestSet Generate(Scenario scenario)
    {
        var w = scenario.Workload;
        if (w.Arrival is TraceArrival trace)
        {
            var n = trace.Entries.Count;
            var (a, p, o) = (new double[n], new int[n], new int[n]);
            for (var i = 0; i < n; i++)
            {
                (a[i], p[i], o[i]) = (trace.Entries[i].ArrivalSeconds, trace.Entries[i].PromptTokens, trace.Entries[i].OutputTokens);
            }

            return new RequestSet(a, p, o);
        }

        var arrivals = Arrivals(w.Arrival, scenario.DurationSeconds, SeededRandom.ForStream(scenario.Seed, 1));
        var lengths = SeededRandom.ForStream(scenario.Seed, 2);
        var prompt = new int[arrivals.Length];
        var output = new int[arrivals.Length];
        for (var i = 0; i < arrivals.Length; i++)
        {
            prompt[i] = w.PromptTokens!.Sample(lengths);
            output[i] = w.OutputTokens!.Sample(lengths);
        }

        return new RequestSet(arrivals, prompt, output);
    }

    private static double[] Arrivals(ArrivalSpec spec, double duration, Random random)
    {
        var list = new List<double>();
        var t = 0.0;
        switch (spec)
        {
            case PoissonArrival p:
                while ((t += Exponential(random, p.RatePerSecond)) < duration)
                {
                    list.Add(t);
                }

                break;
            case GammaArrival g:
                var scale = 1 / (g.RatePerSecond * g.Burstiness);
                while ((t += Gamma(random, g.Burstiness) * scale) < duration)
                {
                    list.Add(t);
                }

                break;
            case DailyArrival d:
                var max = d.RatePerSecond * d.HourlyFactors.Max();
                while ((t += Exponential(random, max)) < duration)
                {
                    var hour = (int)(t / 3600 % 24);
                    if (random.NextDouble() * max < d.RatePerSecond * d.HourlyFactors[hour])
                    {
                        list.Add(t);
                    }
                }

                break;
            default:
                throw new ArgumentException($"Arrival kind {spec.GetType().Name} cannot be generated.", nameof(spec));
        }

        return [.. list];
    }

    private static double Exponential(Random random, double rate) => -Math.Log(1.0 - random.NextDouble()) / rate;

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 through the U^(1/k) boost.</summary>
    internal static double Gamma(Random random, double shape)
    {
        if (shape < 1)
        {
            return Gamma(random, shape + 1) * Math.Pow(1.0 - random.NextDouble(), 1 / shape);
        }

        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = TokenDistribution.StandardNormal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
