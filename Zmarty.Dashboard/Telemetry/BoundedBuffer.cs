namespace Zmarty.Dashboard.Telemetry;

/// <summary>
/// The newest <c>capacity</c> items, oldest first; adding past it overwrites the oldest and counts
/// it as dropped. A ring, so a full buffer costs no allocation per item.
/// </summary>
internal sealed class BoundedBuffer<T>(int capacity)
{
    private readonly T[] _items = new T[capacity];
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    public long Dropped { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Add(T item)
    {
        lock (_gate)
        {
            if (_count == _items.Length)
            {
                Dropped++;
            }
            else
            {
                _count++;
            }

            _items[_next] = item;
            _next = (_next + 1) % _items.Length;
        }
    }

    /// <summary>A copy, oldest first.</summary>
    public List<T> Snapshot()
    {
        lock (_gate)
        {
            var items = new List<T>(_count);
            var first = (_next - _count + _items.Length) % _items.Length;
            for (var i = 0; i < _count; i++)
            {
                items.Add(_items[(first + i) % _items.Length]);
            }

            return items;
        }
    }
}
