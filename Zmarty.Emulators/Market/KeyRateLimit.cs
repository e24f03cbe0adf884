namespace Zmarty.Emulators.Market;

/// <summary>
/// Cryptometer's per-key rate limit, strictly: at most <c>permits</c> calls in any <c>window</c> (the free plan: 10 per
/// 5 s), an exact sliding log per key. A call over it gets 429 and is counted as refused, not as a call. 0 permits
/// lifts the limit (the benchmarks' flood), and nothing is counted.
/// </summary>
public sealed class KeyRateLimit(int permits, TimeSpan window, TimeProvider time)
{
    /// <summary>Keys are few (one per Worker configuration); past this many, keys idle for a window are forgotten.</summary>
    private const int MaxKeys = 1000;

    private readonly Dictionary<string, KeyWindow> _keys = new(StringComparer.Ordinal);
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
            if (!_keys.TryGetValue(key, out var calls))
            {
                if (_keys.Count >= MaxKeys)
                {
                    ForgetIdle(now);
                }

                _keys[key] = calls = new KeyWindow();
            }

            calls.Prune(now - window);
            if (calls.Sent.Count >= permits)
            {
                calls.Refused++;
                return Math.Max(1, (int)Math.Ceiling((calls.Sent.Peek() + window - now).TotalSeconds));
            }

            calls.Sent.Enqueue(now);
            calls.Allowed++;
            return null;
        }
    }

    /// <summary>Per key, the calls let through and the calls refused for the rate since the last <see cref="ResetCounts"/>.</summary>
    public IReadOnlyList<KeyCalls> Counts()
    {
        lock (_gate)
        {
            return
            [
                .. _keys.Select(k => new KeyCalls(k.Key, k.Value.Allowed, k.Value.Refused)).OrderBy(k => k.Key, StringComparer.Ordinal),
            ];
        }
    }

    /// <summary>Zeroes the counts; the windows stay, so a reset never lets a key past its rate.</summary>
    public void ResetCounts()
    {
        lock (_gate)
        {
            foreach (var calls in _keys.Values)
            {
                (calls.Allowed, calls.Refused) = (0, 0);
            }
        }
    }

    /// <summary>An idle key's window is empty, so forgetting it loosens no limit (only its counts go).</summary>
    private void ForgetIdle(DateTimeOffset now)
    {
        foreach (var (key, calls) in _keys.ToList())
        {
            calls.Prune(now - window);
            if (calls.Sent.Count == 0)
            {
                _keys.Remove(key);
            }
        }
    }

    private sealed class KeyWindow
    {
        public Queue<DateTimeOffset> Sent { get; } = new();

        public long Allowed { get; set; }

        public long Refused { get; set; }

        public void Prune(DateTimeOffset before)
        {
            while (Sent.Count > 0 && Sent.Peek() <= before)
            {
                Sent.Dequeue();
            }
        }
    }
}

/// <summary>One key's calls since the counts were last reset: let through, and refused for going over the rate.</summary>
public sealed record KeyCalls(string Key, long Allowed, long Refused);
