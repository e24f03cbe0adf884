namespace Zmarty.Api.Webhooks;

/// <summary>
/// Decides which refusals of unauthenticated input get a log line: the first of each reason, then at
/// most one a <paramref name="interval"/>, carrying how many were not logged since. Anyone can send
/// junk, and every Warning becomes a row in B's <c>ops.error_log</c>: a flood must not bury real errors.
/// </summary>
public sealed class SampledRefusals(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long LoggedAt, long Suppressed)> _reasons = new(StringComparer.Ordinal);

    /// <summary>
    /// True when this refusal should be logged; <paramref name="suppressed"/> is how many of its reason were not, since the last.
    /// </summary>
    public bool ShouldLog(string reason, out long suppressed)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_reasons.TryGetValue(reason, out var last) && time.GetElapsedTime(last.LoggedAt, now) < interval)
            {
                _reasons[reason] = last with { Suppressed = last.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            suppressed = last.Suppressed;
            _reasons[reason] = (now, 0);
            return true;
        }
    }
}
