using System.Runtime.CompilerServices;

namespace Fleet.Planning.Simulation;

/// <summary>A growable min-heap of (finish step, request) for one replica's decoding sequences.</summary>
internal sealed class FinishHeap
{
    private long[] _keys = new long[4];
    private int[] _items = new int[4];

    public int Count { get; private set; }

    public long MinKey => _keys[0];

    public int MinItem => _items[0];

    public int ItemAt(int i) => _items[i];

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Push(long key, int item)
    {
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, Count * 2);
            Array.Resize(ref _items, Count * 2);
        }

        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_keys[parent] < key || (_keys[parent] == key && _items[parent] < item))
            {
                break;
            }

            _keys[i] = _keys[parent];
            _items[i] = _items[parent];
            i = parent;
        }

        _keys[i] = key;
        _items[i] = item;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pop()
    {
        Count--;
        if (Count == 0)
        {
            return;
        }

        var key = _keys[Count];
        var item = _items[Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && (_keys[child + 1] < _keys[child] || (_keys[child + 1] == _keys[child] && _items[child + 1] < _items[child])))
            {
                child++;
            }

            if (key < _keys[child] || (key == _keys[child] && item < _items[child]))
            {
                break;
            }

            _keys[i] = _keys[child];
            _items[i] = _items[child];
            i = child;
        }

        _keys[i] = key;
        _items[i] = item;
    }
}
