namespace Zmarty.Emulators.Market;

/// <summary>
/// Cryptometer's per-key rate limit: at most <c>permits</c> calls in any <c>window</c> (the free plan: 10 per 5 s).
/// A call over it gets 429 and counts nothing. 0 permits lifts the limit (the benchmarks' flood).
/// </summary>
public sealed class KeyRateLimit(int permits, TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _calls = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Null when the call may go ahead (and is counted); else the whole seconds until it may.</summary>
    public int? TryAcquire(string key)
    {
        if (permits <= 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_calls.TryGetValue(key, out var calls))
            {
                // Keys are few (one per Worker configuration); clearing at 1000 keeps made-up keys from growing it forever.
                if (_calls.Count >= 1000)
                {
                    _calls.Clear();
                }

                _calls[key] = calls = new Queue<DateTimeOffset>();
            }

            while (calls.Count > 0 && calls.Peek() <= now - window)
            {
                calls.Dequeue();
            }

            if (calls.Count >= permits)
            {
                return Math.Max(1, (int)Math.Ceiling((calls.Peek() + window - now).TotalSeconds));
            }

            calls.Enqueue(now);
            return null;
        }
    }
}
