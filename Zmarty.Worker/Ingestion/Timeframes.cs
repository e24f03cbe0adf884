using Zmarty.Worker.Queues;

namespace Zmarty.Worker.Ingestion;

/// <summary>The bar length of each timeframe a watcher may have (the <c>watchers.timeframe</c> check).</summary>
public static class Timeframes
{
    private static readonly Dictionary<string, TimeSpan> s_intervals = new(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["30m"] = TimeSpan.FromMinutes(30),
        ["1h"] = TimeSpan.FromHours(1),
        ["4h"] = TimeSpan.FromHours(4),
        ["1d"] = TimeSpan.FromDays(1),
        ["1w"] = TimeSpan.FromDays(7),
    };

    /// <exception cref="JobRejectedException">Not a timeframe B knows.</exception>
    public static TimeSpan Interval(string timeframe) =>
        s_intervals.TryGetValue(timeframe, out var interval)
            ? interval
            : throw new JobRejectedException($"'{timeframe}' is not a timeframe ({string.Join(", ", s_intervals.Keys)})");
}
