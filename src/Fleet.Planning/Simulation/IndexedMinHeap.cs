using System.Runtime.CompilerServices;

namespace Fleet.Planning.Simulation;

/// <summary>
/// A binary min-heap over the integers [0, capacity) keyed by a double, with O(log n) insert, remove and re-key of
/// any member; equal keys break on a secondary tie key, then on the smaller index, so runs are deterministic.
/// </summary>
internal sealed class IndexedMinHeap
{
    private readonly double[] _keys;
    private readonly long[] _ties;
    private readonly int[] _heap;
    private readonly int[] _position;

    public IndexedMinHeap(int capacity)
    {
        _keys = new double[capacity];
        _ties = new long[capacity];
        _heap = new int[capacity];
        _position = new int[capacity];
        Array.Fill(_position, -1);
    }

    public int Count { get; private set; }

    public bool Contains(int item) => _position[item] >= 0;

    public int Min => _heap[0];

    public double MinKey => _keys[_heap[0]];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Insert(int item, double key, long tie = 0)
    {
        _keys[item] = key;
        _ties[item] = tie;
        _heap[Count] = item;
        _position[item] = Count;
        Count++;
        Up(Count - 1);
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
        _heap[at] = last;
        _position[last] = at;
        Up(at);
        Down(_position[last]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(int item, double key, long tie = 0)
    {
        var decreased = key < _keys[item] || (key == _keys[item] && tie < _ties[item]);
        _keys[item] = key;
        _ties[item] = tie;
        if (decreased)
        {
            Up(_position[item]);
        }
        else
        {
            Down(_position[item]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Less(int a, int b) =>
        _keys[a] < _keys[b] || (_keys[a] == _keys[b] && (_ties[a] < _ties[b] || (_ties[a] == _ties[b] && a < b)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Up(int i)
    {
        var item = _heap[i];
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            var p = _heap[parent];
            if (!Less(item, p))
            {
                break;
            }

            _heap[i] = p;
            _position[p] = i;
            i = parent;
        }

        _heap[i] = item;
        _position[item] = i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Down(int i)
    {
        var item = _heap[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && Less(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            var c = _heap[child];
            if (!Less(c, item))
            {
                break;
            }

            _heap[i] = c;
            _position[c] = i;
            i = child;
        }

        _heap[i] = item;
        _position[item] = i;
    }
}
