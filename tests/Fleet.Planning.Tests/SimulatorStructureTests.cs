using Fleet.Planning.Simulation;

namespace Fleet.Planning.Tests;

/// <summary>The simulator's data structures against plain sorted lists over random operations.</summary>
public class SimulatorStructureTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 17)]
    [InlineData(3, 1250)]
    public void IndexedMinHeap_RandomOperations_MinimumIsTheSortedListsFirst(int seed, int capacity)
    {
        var random = new Random(seed);
        var heap = new IndexedMinHeap(capacity);
        var reference = new Dictionary<int, (double Key, long Tie)>();
        for (var op = 0; op < 20_000; op++)
        {
            var item = random.Next(capacity);
            // Few distinct keys and ties, so the tie-breaks (tie, then the smaller item) are exercised.
            var key = random.Next(8) * 0.5;
            long tie = random.Next(3);
            switch (random.Next(4))
            {
                case 0 or 1 when !reference.ContainsKey(item):
                    heap.Insert(item, key, tie);
                    reference[item] = (key, tie);
                    break;
                case 0 or 1 or 2 when reference.ContainsKey(item):
                    heap.Update(item, key, tie);
                    reference[item] = (key, tie);
                    break;
                case 3 when reference.ContainsKey(item):
                    heap.Remove(item);
                    reference.Remove(item);
                    break;
                case 3 when reference.Count > 0:
                    {
                        var first = Sorted(reference)[0];
                        Assert.Equal(first, heap.Min);
                        heap.Remove(first);
                        reference.Remove(first);
                        break;
                    }
            }

            Assert.Equal(reference.Count, heap.Count);
            for (var probe = 0; probe < Math.Min(capacity, 4); probe++)
            {
                var p = random.Next(capacity);
                Assert.Equal(reference.ContainsKey(p), heap.Contains(p));
            }

            if (reference.Count > 0)
            {
                var first = Sorted(reference)[0];
                Assert.Equal(first, heap.Min);
                Assert.Equal(reference[first].Key, heap.MinKey);
            }
        }

        // Draining gives the whole sorted order.
        var expected = Sorted(reference);
        var drained = new List<int>();
        while (heap.Count > 0)
        {
            drained.Add(heap.Min);
            heap.Remove(heap.Min);
        }

        Assert.Equal(expected, drained);
    }

    [Fact]
    public void Percentiles_RandomSamples_EqualInterpolationOnTheSortedArray()
    {
        var random = new Random(7);
        foreach (var n in new[] { 1, 2, 3, 10, 101, 5_000 })
        {
            // Repeated values included: percentiles of ties must still be exact.
            var values = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 50) / 10).ToArray();
            var sorted = values.OrderBy(v => v).ToArray();
            double[] percentiles = [99, 50, 90, 99, 0, 100, 37.5, 99.9];
            var results = new double[percentiles.Length];
            LatencyStatistics.Percentiles(values.ToArray(), percentiles, results);
            for (var i = 0; i < percentiles.Length; i++)
            {
                var pos = percentiles[i] / 100 * (n - 1);
                var lo = (int)Math.Floor(pos);
                var hi = Math.Min(lo + 1, n - 1);
                var expected = sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
                Assert.Equal(expected, results[i], 12);
            }
        }
    }

    private static List<int> Sorted(Dictionary<int, (double Key, long Tie)> items) =>
        [.. items.OrderBy(e => e.Value.Key).ThenBy(e => e.Value.Tie).ThenBy(e => e.Key).Select(e => e.Key)];
}
