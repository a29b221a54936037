using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Fleet.Planning.Simulation;

/// <summary>Mean, percentiles and maximum of latency samples, by selection (O(n), no full sort).</summary>
public static class LatencyStatistics
{
    /// <summary>Statistics of <paramref name="values"/> plus the value at <paramref name="extraPercentile"/>; reorders the list.</summary>
    public static LatencyStats Of(List<double> values, double extraPercentile, out double extra)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            extra = double.NaN;
            return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var a = CollectionsMarshal.AsSpan(values);
        var sum = 0.0;
        var max = double.NegativeInfinity;
        foreach (var v in a)
        {
            sum += v;
            max = Math.Max(max, v);
        }

        Span<double> at = stackalloc double[4];
        Percentiles(a, [extraPercentile, 50, 90, 99], at);
        extra = at[0];
        return new LatencyStats(values.Count, sum / values.Count, at[1], at[2], at[3], max);
    }

    /// <summary>
    /// <see cref="Percentile"/> of each of <paramref name="percentiles"/> into <paramref name="results"/>, in one pass of
    /// selections: the ranks are selected in increasing order, each in the part of the span above the previous one
    /// (what a selection leaves there is exactly the larger values), so k percentiles cost about one selection, not k.
    /// Reorders the span.
    /// </summary>
    public static void Percentiles(Span<double> values, ReadOnlySpan<double> percentiles, Span<double> results)
    {
        var n = values.Length;
        Span<int> ranks = stackalloc int[2 * percentiles.Length];
        var count = 0;
        foreach (var p in percentiles)
        {
            var pos = p / 100 * (n - 1);
            var lo = (int)Math.Floor(pos);
            ranks[count++] = lo;
            if (lo + 1 < n && pos != lo)
            {
                ranks[count++] = lo + 1;
            }
        }

        ranks = ranks[..count];
        ranks.Sort();
        Span<double> ranked = stackalloc double[count];
        var start = 0;
        for (var k = 0; k < count; k++)
        {
            if (k > 0 && ranks[k] == ranks[k - 1])
            {
                ranked[k] = ranked[k - 1];
                continue;
            }

            ranked[k] = Select(values[start..], ranks[k] - start);
            start = ranks[k] + 1;
        }

        for (var i = 0; i < percentiles.Length; i++)
        {
            var pos = percentiles[i] / 100 * (n - 1);
            var lo = (int)Math.Floor(pos);
            var low = ranked[ranks.IndexOf(lo)];
            results[i] = lo + 1 >= n || pos == lo ? low : low + ((pos - lo) * (ranked[ranks.IndexOf(lo + 1)] - low));
        }
    }

    /// <summary>Linear interpolation between closest ranks, as a sorted array would give; reorders the span.</summary>
    public static double Percentile(Span<double> values, double p)
    {
        var pos = p / 100 * (values.Length - 1);
        var lo = (int)Math.Floor(pos);
        var low = Select(values, lo);
        if (lo + 1 >= values.Length || pos == lo)
        {
            return low;
        }

        // After selecting rank lo, rank lo + 1 is the smallest value above it.
        var next = double.PositiveInfinity;
        foreach (var v in values[(lo + 1)..])
        {
            next = Math.Min(next, v);
        }

        return low + ((pos - lo) * (next - low));
    }

    /// <summary>Hoare selection: puts the k-th smallest value at index k, smaller ones before it, and returns it.</summary>
    /// <remarks>Called a few times a run on a million samples: compiled fully optimised at once, not at tier 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Select(Span<double> a, int k)
    {
        int left = 0, right = a.Length - 1;
        while (left < right)
        {
            var pivot = a[left + ((right - left) / 2)];
            int i = left, j = right;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }

        return a[k];
    }
}
