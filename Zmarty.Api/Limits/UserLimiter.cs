using System.Collections.Concurrent;

namespace Zmarty.Api.Limits;

/// <summary>
/// The outcome of asking for a slot, with what the X-RateLimit-* headers report; <paramref name="Concurrency"/> when it was
/// refused for requests in flight rather than for the minute's count.
/// </summary>
public sealed record RateDecision(
    bool Allowed, int Limit, int Remaining, DateTimeOffset ResetAt, string? Refusal, RateLease? Lease, bool Concurrency = false)
{
    public int RetryAfterSeconds(DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((ResetAt - now).TotalSeconds));
}

/// <summary>
/// Per-user request rate (fixed one-minute windows) and concurrency, in this Api instance's memory: one instance for
/// chats, others for <c>/me/*</c> (<see cref="UserDataLimits"/>).
/// A refused request counts toward nothing; a lease frees its concurrency slot when disposed. Users
/// idle since an earlier window are forgotten by a sweep that runs at most once a window, and only
/// past <see cref="SweepAbove"/> users, so its cost is spread over a minute of requests.
/// </summary>
public sealed class UserLimiter(TimeProvider time)
{
    internal const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<Guid, UserWindow> _users = new();
    private long _sweptWindow = long.MinValue;

    /// <summary>How many sweeps ran (for tests).</summary>
    internal int Sweeps { get; private set; }

    internal int Tracked => _users.Count;

    public RateDecision TryAcquire(Guid user, TierLimits limits)
    {
        var now = time.GetUtcNow();
        var window = now.ToUnixTimeSeconds() / 60;
        var resetAt = DateTimeOffset.FromUnixTimeSeconds((window + 1) * 60);
        var state = _users.GetOrAdd(user, static _ => new UserWindow());
        int remaining;
        lock (state)
        {
            if (state.Window != window)
            {
                state.Window = window;
                state.Count = 0;
            }

            if (state.Count >= limits.RequestsPerMinute)
            {
                return new(false, limits.RequestsPerMinute, 0, resetAt,
                    $"At most {limits.RequestsPerMinute} chat requests a minute on this tier.", null);
            }

            if (state.InFlight >= limits.Concurrent)
            {
                return new(false, limits.RequestsPerMinute, limits.RequestsPerMinute - state.Count, now.AddSeconds(1),
                    $"At most {limits.Concurrent} chats at once on this tier.", null, Concurrency: true);
            }

            state.Count++;
            state.InFlight++;
            remaining = limits.RequestsPerMinute - state.Count;
        }

        var swept = Interlocked.Read(ref _sweptWindow);
        if (swept < window && _users.Count > SweepAbove && Interlocked.CompareExchange(ref _sweptWindow, window, swept) == swept)
        {
            Sweep(window);
        }

        return new(true, limits.RequestsPerMinute, remaining, resetAt, null, new RateLease(state, window));
    }

    private void Sweep(long window)
    {
        Sweeps++;
        foreach (var (user, state) in _users)
        {
            lock (state)
            {
                if (state.Window < window && state.InFlight == 0)
                {
                    _users.TryRemove(user, out _);
                }
            }
        }
    }

    internal sealed class UserWindow
    {
        public long Window;
        public int Count;
        public int InFlight;
    }
}

/// <summary>A chat's concurrency slot, freed when disposed.</summary>
public sealed class RateLease : IDisposable
{
    private readonly UserLimiter.UserWindow _state;
    private readonly long _window;
    private int _disposed;

    internal RateLease(UserLimiter.UserWindow state, long window)
    {
        _state = state;
        _window = window;
    }

    public void Dispose() => Free(refund: false);

    /// <summary>Frees the slot and takes the request back out of its window's count: it was decided on stale limits.</summary>
    public void Refund() => Free(refund: true);

    private void Free(bool refund)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_state)
            {
                _state.InFlight--;
                if (refund && _state.Window == _window)
                {
                    _state.Count--;
                }
            }
        }
    }
}
