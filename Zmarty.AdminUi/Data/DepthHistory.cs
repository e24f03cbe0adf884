namespace Zmarty.AdminUi.Data;

/// <summary>One reading of a queue: when, how many messages waited, and how many were ever sent.</summary>
public readonly record struct DepthSample(DateTimeOffset At, long Depth, long TotalSent);

/// <summary>
/// The depth readings of each queue over the last hour, as the shared queue poll takes them, and
/// the processing rate they imply. Kept in memory: it starts when the AdminUi starts.
/// </summary>
public sealed class DepthHistory(TimeSpan keep)
{
    /// <summary>How far back the processing rate looks.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, List<DepthSample>> _samples = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public TimeSpan Keep { get; } = keep;

    public void Add(string queue, DepthSample sample)
    {
        lock (_gate)
        {
            if (!_samples.TryGetValue(queue, out var samples))
            {
                _samples[queue] = samples = [];
            }

            samples.Add(sample);
            samples.RemoveAll(s => s.At < sample.At - Keep);
        }
    }

    public IReadOnlyList<DepthSample> Of(string queue)
    {
        lock (_gate)
        {
            return _samples.TryGetValue(queue, out var samples) ? [.. samples] : [];
        }
    }

    /// <summary>
    /// Messages that left the queue (processed, archived or deleted) per minute over the last
    /// <see cref="RateWindow"/>: what was sent in that time minus what the depth grew by. Null until
    /// two readings at least a second apart exist.
    /// </summary>
    public static double? ProcessedPerMinute(IReadOnlyList<DepthSample> samples)
    {
        if (samples.Count < 2)
        {
            return null;
        }

        var last = samples[^1];
        var first = samples.FirstOrDefault(s => s.At >= last.At - RateWindow);
        var elapsed = last.At - first.At;
        if (elapsed < TimeSpan.FromSeconds(1))
        {
            return null;
        }

        var left = (last.TotalSent - first.TotalSent) - (last.Depth - first.Depth);
        return Math.Max(0, left) / elapsed.TotalMinutes;
    }
}
