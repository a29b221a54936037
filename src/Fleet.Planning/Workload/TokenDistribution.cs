namespace Fleet.Planning.Workload;

/// <summary>A distribution of token counts (prompt or output length); every sample is an integer ≥ 1.</summary>
public abstract record TokenDistribution
{
    /// <summary>Draws one length from <paramref name="random"/>.</summary>
    public abstract int Sample(Random random);

    /// <summary>The mean of the distribution as sampled (after rounding and clamping where that is exact, else approximate).</summary>
    public abstract double Mean { get; }

    /// <summary>Clamps a real sample to an int ≥ 1.</summary>
    protected static int Clamp(double x) => x < 1 ? 1 : x > int.MaxValue / 2 ? int.MaxValue / 2 : (int)Math.Round(x, MidpointRounding.AwayFromZero);

    /// <summary>A standard normal deviate (Box–Muller; one of the pair is discarded so the draw count per sample is fixed).</summary>
    internal static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>Always <see cref="Value"/>.</summary>
public sealed record FixedTokens(int Value) : TokenDistribution
{
    public override int Sample(Random random) => Value;

    public override double Mean => Value;
}

/// <summary>Uniform over the integers [Min, Max].</summary>
public sealed record UniformTokens(int Min, int Max) : TokenDistribution
{
    public override int Sample(Random random) => random.Next(Min, Max + 1);

    public override double Mean => (Min + Max) / 2.0;
}

/// <summary>Normal, rounded, clamped to ≥ 1.</summary>
public sealed record NormalTokens(double MeanValue, double Stddev) : TokenDistribution
{
    public override int Sample(Random random) => Clamp(MeanValue + (Stddev * StandardNormal(random)));

    public override double Mean => MeanValue;
}

/// <summary>Log-normal with the given mean and standard deviation of the lengths themselves (not of their logarithm).</summary>
public sealed record LognormalTokens(double MeanValue, double Stddev) : TokenDistribution
{
    private double Sigma2 => Math.Log(1 + (Stddev * Stddev / (MeanValue * MeanValue)));

    public override int Sample(Random random)
    {
        var sigma2 = Sigma2;
        var mu = Math.Log(MeanValue) - (sigma2 / 2);
        return Clamp(Math.Exp(mu + (Math.Sqrt(sigma2) * StandardNormal(random))));
    }

    public override double Mean => MeanValue;
}

/// <summary>Geometric on {1, 2, ...} with success probability 1/mean: the length when every token ends the reply with equal chance.</summary>
public sealed record GeometricTokens(double MeanValue) : TokenDistribution
{
    public override int Sample(Random random)
    {
        if (MeanValue <= 1)
        {
            return 1;
        }

        var p = 1.0 / MeanValue;
        var u = 1.0 - random.NextDouble();
        var k = 1 + Math.Floor(Math.Log(u) / Math.Log(1 - p));
        return k > int.MaxValue / 2 ? int.MaxValue / 2 : (int)k;
    }

    public override double Mean => MeanValue;
}
