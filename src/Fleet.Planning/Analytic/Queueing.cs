namespace Fleet.Planning.Analytic;

/// <summary>Closed-form queueing results the simulator is checked against and the capacity search starts from.</summary>
public static class Queueing
{
    /// <summary>
    /// Erlang C: probability an arrival waits in an M/M/c queue with offered load <paramref name="offeredLoad"/> = λ/μ
    /// (Erlangs). Computed through the Erlang B recursion, stable for thousands of servers; 1 when the load is ≥ c.
    /// </summary>
    public static double ErlangC(int servers, double offeredLoad)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(servers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(offeredLoad);
        if (offeredLoad >= servers)
        {
            return 1;
        }

        var b = 1.0;
        for (var k = 1; k <= servers; k++)
        {
            b = offeredLoad * b / (k + (offeredLoad * b));
        }

        var rho = offeredLoad / servers;
        return b / (1 - (rho * (1 - b)));
    }

    /// <summary>Mean wait in queue of M/M/c: C(c, λ/μ) / (cμ − λ).</summary>
    public static double MmcMeanWait(int servers, double arrivalRate, double serviceRate)
    {
        var c = ErlangC(servers, arrivalRate / serviceRate);
        var slack = (servers * serviceRate) - arrivalRate;
        return slack <= 0 ? double.PositiveInfinity : c / slack;
    }

    /// <summary>P(wait &gt; t) in M/M/c: C · exp(−(cμ − λ) t).</summary>
    public static double MmcWaitTail(int servers, double arrivalRate, double serviceRate, double t)
    {
        var slack = (servers * serviceRate) - arrivalRate;
        return slack <= 0 ? 1 : ErlangC(servers, arrivalRate / serviceRate) * Math.Exp(-slack * t);
    }

    /// <summary>Pollaczek–Khinchine mean wait of M/G/1: λ E[S²] / (2 (1 − ρ)).</summary>
    public static double Mg1MeanWait(double arrivalRate, double meanService, double secondMomentService)
    {
        var rho = arrivalRate * meanService;
        return rho >= 1 ? double.PositiveInfinity : arrivalRate * secondMomentService / (2 * (1 - rho));
    }

    /// <summary>M/D/1 mean wait: ρ S / (2 (1 − ρ)).</summary>
    public static double Md1MeanWait(double arrivalRate, double serviceTime) =>
        Mg1MeanWait(arrivalRate, serviceTime, serviceTime * serviceTime);
}
