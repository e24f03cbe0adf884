using System.Collections.Concurrent;

namespace Zmarty.AdminUi.Auth;

/// <summary>
/// Slows down password guessing. Per client (the forwarded client address, or a trusted device):
/// after <see cref="FreeFailures"/> wrong passwords within <see cref="Window"/>, every further attempt
/// (a right password too, or the lockout would tell a guesser when it is right) is refused until a
/// lockout passes, which starts at <see cref="FirstLockout"/> and doubles with each further failure up
/// to <see cref="MaxLockout"/>. Across all clients without a trusted device at most
/// <see cref="GlobalFailuresPerMinute"/> wrong passwords count per minute; past that such attempts wait
/// for the next minute, so many addresses guess no faster than one. A successful login clears the
/// client's record.
/// </summary>
/// <remarks>
/// The right password is never locked out for long: a client's lockout ends after
/// <see cref="MaxLockout"/> at most, the global limit after the minute, and an operator's browser that
/// has logged in before carries a trusted-device cookie (<see cref="TrustedDevices"/>) that exempts it
/// from both the global limit and the lockouts of its address: an attacker flooding the login cannot
/// lock it out.
/// </remarks>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 5;
    public const int GlobalFailuresPerMinute = 30;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan FirstLockout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxLockout = TimeSpan.FromMinutes(15);

    // Past this many clients, forgotten ones are pruned, so a flood of addresses cannot grow it without end.
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Record> _clients = new(StringComparer.Ordinal);
    private readonly Lock _global = new();
    private long _globalMinute;
    private int _globalFailures;

    /// <summary>How long <paramref name="client"/> must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string client, bool trustedDevice = false)
    {
        var now = time.GetUtcNow();
        if (_clients.TryGetValue(client, out var record) && record.LockedUntil > now)
        {
            return record.LockedUntil - now;
        }

        if (trustedDevice)
        {
            return null;
        }

        lock (_global)
        {
            var minute = now.ToUnixTimeSeconds() / 60;
            return minute == _globalMinute && _globalFailures >= GlobalFailuresPerMinute
                ? DateTimeOffset.FromUnixTimeSeconds((minute + 1) * 60) - now
                : null;
        }
    }

    public void Failed(string client, bool trustedDevice = false)
    {
        var now = time.GetUtcNow();
        _clients.AddOrUpdate(
            client,
            _ => Next(new Record(0, now, DateTimeOffset.MinValue), now),
            (_, record) => Next(now - record.FirstFailureAt > Window ? new Record(0, now, DateTimeOffset.MinValue) : record, now));
        if (!trustedDevice)
        {
            CountGlobally(now);
        }

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

    private void CountGlobally(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        lock (_global)
        {
            if (minute != _globalMinute)
            {
                _globalMinute = minute;
                _globalFailures = 0;
            }

            _globalFailures++;
        }
    }

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
