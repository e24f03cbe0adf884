using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Zmarty.Dashboard.Telemetry;

/// <summary>
/// Everything the services sent, kept in memory per resource (the <c>service.name</c> they report),
/// each kind bounded by <see cref="TelemetryLimits"/>: past a limit the oldest goes and is counted.
/// The pages and the query API read it; <see cref="Changed"/> tells them something arrived.
/// </summary>
public sealed class TelemetryStore(IOptions<DashboardOptions> options)
{
    private readonly TelemetryLimits _limits = options.Value.Telemetry;
    private readonly ConcurrentDictionary<string, ResourceBuffers> _resources = new(StringComparer.Ordinal);

    /// <summary>Raised on the exporting thread after each batch; subscribers must be quick (set a flag, throttle).</summary>
    public event Action? Changed;

    public void AddLogs(string resource, IEnumerable<LogEntry> logs)
    {
        var buffers = BuffersOf(resource);
        foreach (var log in logs)
        {
            buffers.Logs.Add(log);
        }

        Changed?.Invoke();
    }

    public void AddSpans(string resource, IEnumerable<SpanEntry> spans)
    {
        var buffers = BuffersOf(resource);
        foreach (var span in spans)
        {
            buffers.Spans.Add(span);
        }

        Changed?.Invoke();
    }

    public void AddMetrics(string resource, IEnumerable<(Instrument Instrument, MetricPoint Point)> points)
    {
        var buffers = BuffersOf(resource);
        foreach (var (instrument, point) in points)
        {
            buffers.Instruments[instrument.Name] = instrument;
            buffers.Points.Add((instrument.Name, point));
        }

        Changed?.Invoke();
    }

    public IReadOnlyList<ResourceTelemetry> Resources() =>
    [
        .. _resources.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ResourceTelemetry(
            r.Key,
            r.Value.Logs.Count,
            r.Value.Logs.Dropped,
            r.Value.Spans.Count,
            r.Value.Spans.Dropped,
            r.Value.Points.Count,
            r.Value.Points.Dropped)),
    ];

    /// <summary>Newest first: of <paramref name="resource"/> (all when null), at <paramref name="minimum"/> or above, containing <paramref name="text"/>.</summary>
    public IReadOnlyList<LogEntry> Logs(string? resource = null, LogLevel minimum = LogLevel.Trace, string? text = null, int limit = 1000) =>
    [
        .. Selected(resource)
            // Newest first also among records of the same instant: reversed, then a stable sort by time.
            .SelectMany(r => r.Logs.Snapshot().AsEnumerable().Reverse())
            .Where(log => log.Level >= minimum && (string.IsNullOrEmpty(text) || Contains(log, text)))
            .OrderByDescending(log => log.Time)
            .Take(limit),
    ];

    /// <summary>Newest first: traces with a span of <paramref name="resource"/> (any when null) whose span names or attributes contain <paramref name="text"/>.</summary>
    public IReadOnlyList<TraceSummary> Traces(string? resource = null, string? text = null, int limit = 500) =>
    [
        .. AllSpans()
            .GroupBy(span => span.TraceId, StringComparer.Ordinal)
            .Where(trace => resource is null || trace.Any(span => span.Resource == resource))
            .Where(trace => string.IsNullOrEmpty(text) || trace.Any(span => Contains(span, text)))
            .Select(Summarize)
            .OrderByDescending(trace => trace.Start)
            .Take(limit),
    ];

    /// <summary>A trace's spans from every resource, by start; empty when none is kept.</summary>
    public IReadOnlyList<SpanEntry> Trace(string traceId) =>
        [.. AllSpans().Where(span => span.TraceId == traceId).OrderBy(span => span.Start)];

    public IReadOnlyList<Instrument> Instruments(string resource) =>
        _resources.TryGetValue(resource, out var buffers)
            ? [.. buffers.Instruments.Values.OrderBy(i => i.Name, StringComparer.Ordinal)]
            : [];

    /// <summary>The points of one instrument since <paramref name="since"/>, oldest first.</summary>
    public IReadOnlyList<MetricPoint> Points(string resource, string instrument, DateTimeOffset since) =>
        _resources.TryGetValue(resource, out var buffers)
            ? [.. buffers.Points.Snapshot().Where(p => p.Instrument == instrument && p.Point.Time >= since).Select(p => p.Point)]
            : [];

    internal static TraceSummary Summarize(IEnumerable<SpanEntry> trace)
    {
        var spans = trace.OrderBy(span => span.Start).ToList();
        var ids = spans.Select(span => span.SpanId).ToHashSet(StringComparer.Ordinal);
        // The root is the span without a parent; a trace whose root is not (yet) kept starts at its earliest span.
        var root = spans.FirstOrDefault(span => span.ParentSpanId is null) ?? spans.FirstOrDefault(span => !ids.Contains(span.ParentSpanId!)) ?? spans[0];
        var start = spans[0].Start;
        var end = spans.Max(span => span.End);
        return new TraceSummary(
            root.TraceId,
            root,
            [.. spans.Select(span => span.Resource).Distinct(StringComparer.Ordinal)],
            start,
            end - start,
            spans.Count,
            spans.Count(span => span.IsError));
    }

    private IEnumerable<SpanEntry> AllSpans() => _resources.Values.SelectMany(r => r.Spans.Snapshot());

    private IEnumerable<ResourceBuffers> Selected(string? resource) =>
        resource is null ? _resources.Values
        : _resources.TryGetValue(resource, out var buffers) ? [buffers]
        : [];

    private ResourceBuffers BuffersOf(string resource) => _resources.GetOrAdd(resource, _ => new ResourceBuffers(_limits));

    private static bool Contains(LogEntry log, string text) =>
        log.Message.Contains(text, StringComparison.OrdinalIgnoreCase) || Contains(log.Attributes, text);

    private static bool Contains(SpanEntry span, string text) =>
        span.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || Contains(span.Attributes, text);

    private static bool Contains(TelemetryAttribute[] attributes, string text) =>
        attributes.Any(a => a.Value.Contains(text, StringComparison.OrdinalIgnoreCase));

    private sealed class ResourceBuffers(TelemetryLimits limits)
    {
        public BoundedBuffer<LogEntry> Logs { get; } = new(limits.MaxLogRecordsPerResource);

        public BoundedBuffer<SpanEntry> Spans { get; } = new(limits.MaxSpansPerResource);

        public BoundedBuffer<(string Instrument, MetricPoint Point)> Points { get; } = new(limits.MaxMetricPointsPerResource);

        public ConcurrentDictionary<string, Instrument> Instruments { get; } = new(StringComparer.Ordinal);
    }
}
