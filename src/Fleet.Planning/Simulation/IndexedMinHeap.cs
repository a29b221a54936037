using System.Runtime.CompilerServices;

namespace Fleet.Planning.Simulation;

/// <summary>
/// A 4-ary min-heap over the integers [0, capacity) keyed by a double, with O(log n) insert, remove and re-key of
/// any member; equal keys break on a secondary tie key, then on the smaller index, so runs are deterministic (the
/// order is total, so the minimum never depends on the heap's shape).
/// </summary>
/// <remarks>
/// Each slot holds its key, tie and item together, so a sift compares the values in the array it walks instead of
/// looking each one up by item; four children per node halve the depth (1,250 replicas: 6 levels instead of 11).
/// </remarks>
internal sealed class IndexedMinHeap
{
    private readonly Node[] _heap;
    private readonly int[] _position;

    public IndexedMinHeap(int capacity)
    {
        _heap = new Node[capacity];
        _position = new int[capacity];
        Array.Fill(_position, -1);
    }

    public int Count { get; private set; }

    public bool Contains(int item) => _position[item] >= 0;

    public int Min => _heap[0].Item;

    public double MinKey => _heap[0].Key;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Insert(int item, double key, long tie = 0)
    {
        var at = Count++;
        Up(at, new Node(key, tie, item));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Remove(int item)
    {
        var at = _position[item];
        Count--;
        _position[item] = -1;
        if (at == Count)
        {
            return;
        }

        var last = _heap[Count];
        if (at > 0 && Less(last, _heap[(at - 1) >> 2]))
        {
            Up(at, last);
        }
        else
        {
            Down(at, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(int item, double key, long tie = 0)
    {
        var at = _position[item];
        var node = new Node(key, tie, item);
        if (Less(node, _heap[at]))
        {
            Up(at, node);
        }
        else
        {
            Down(at, node);
        }
    }

    // Non-short-circuit operators: the comparison is a few flag instructions, not a chain of branches the CPU must guess
    // (keys of replicas' step ends are in random order, so every guess is a coin toss).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Node a, in Node b) =>
        (a.Key < b.Key) | ((a.Key == b.Key) & ((a.Tie < b.Tie) | ((a.Tie == b.Tie) & (a.Item < b.Item))));

    /// <summary>Puts <paramref name="node"/> at slot <paramref name="i"/> or above it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Up(int i, Node node)
    {
        var heap = _heap;
        while (i > 0)
        {
            var parent = (i - 1) >> 2;
            if (!Less(node, heap[parent]))
            {
                break;
            }

            heap[i] = heap[parent];
            _position[heap[i].Item] = i;
            i = parent;
        }

        heap[i] = node;
        _position[node.Item] = i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bit(bool value) => Unsafe.BitCast<bool, byte>(value);

    /// <summary>Puts <paramref name="node"/> at slot <paramref name="i"/> or below it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Down(int i, Node node)
    {
        var heap = _heap;
        var position = _position;
        var count = Count;
        while (true)
        {
            var first = (4 * i) + 1;
            int child;
            if (first + 3 < count)
            {
                // Four children: the smallest by a tournament in arithmetic, so no branch waits on a comparison.
                var a = first + Bit(Less(heap[first + 1], heap[first]));
                var b = first + 2 + Bit(Less(heap[first + 3], heap[first + 2]));
                child = a + ((b - a) & -Bit(Less(heap[b], heap[a])));
            }
            else if (first < count)
            {
                child = first;
                for (var c = first + 1; c < count; c++)
                {
                    child = Less(heap[c], heap[child]) ? c : child;
                }
            }
            else
            {
                break;
            }

            if (!Less(heap[child], node))
            {
                break;
            }

            heap[i] = heap[child];
            position[heap[i].Item] = i;
            i = child;
        }

        heap[i] = node;
        position[node.Item] = i;
    }

    private readonly record struct Node(double Key, long Tie, int Item);
}
