using System.Collections.Concurrent;

namespace Zmarty.AdminUi.Auth;

/// <summary>
/// Slows down password guessing per client address: after <see cref="FreeFailures"/> wrong
/// passwords within <see cref="Window"/>, every further attempt (a right password too) is refused
/// until a lockout passes, which starts at <see cref="FirstLockout"/> and doubles with each further
/// failure up to <see cref="MaxLockout"/>. A successful login clears the client's record.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan FirstLockout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxLockout = TimeSpan.FromMinutes(15);

    // Past this many clients, forgotten ones are pruned, so a flood of addresses cannot grow it without end.
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Record> _clients = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="client"/> must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string client)
    {
        if (!_clients.TryGetValue(client, out var record))
        {
            return null;
        }

        var now = time.GetUtcNow();
        return record.LockedUntil > now ? record.LockedUntil - now : null;
    }

    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        _clients.AddOrUpdate(
            client,
            _ => Next(new Record(0, now, DateTimeOffset.MinValue), now),
            (_, record) => Next(now - record.FirstFailureAt > Window ? new Record(0, now, DateTimeOffset.MinValue) : record, now));
        if (_clients.Count > PruneAbove)
        {
            foreach (var (key, record) in _clients)
            {
                if (now - record.FirstFailureAt > Window && record.LockedUntil < now)
                {
                    _clients.TryRemove(key, out _);
                }
            }
        }
    }

    public void Succeeded(string client) => _clients.TryRemove(client, out _);

    private static Record Next(Record record, DateTimeOffset now)
    {
        var failures = record.Failures + 1;
        if (failures < FreeFailures)
        {
            return record with { Failures = failures };
        }

        var doublings = Math.Min(failures - FreeFailures, 10);
        var lockout = TimeSpan.FromTicks(Math.Min(FirstLockout.Ticks << doublings, MaxLockout.Ticks));
        return record with { Failures = failures, LockedUntil = now + lockout };
    }

    private sealed record Record(int Failures, DateTimeOffset FirstFailureAt, DateTimeOffset LockedUntil);
}
