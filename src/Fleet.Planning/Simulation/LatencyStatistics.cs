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

        extra = Percentile(a, extraPercentile);
        return new LatencyStats(values.Count, sum / values.Count, Percentile(a, 50), Percentile(a, 90), Percentile(a, 99), max);
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
