namespace Zmarty.Dashboard.Telemetry;

/// <summary>An attribute as the pages show it: OTLP's typed values are kept as their text.</summary>
public readonly record struct TelemetryAttribute(string Key, string Value);

public sealed record LogEntry(
    DateTimeOffset Time,
    string Resource,
    string Scope,
    LogLevel Level,
    string Message,
    string? TraceId,
    string? SpanId,
    TelemetryAttribute[] Attributes);

public sealed record SpanEvent(DateTimeOffset Time, string Name, TelemetryAttribute[] Attributes);

public sealed record SpanEntry(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string Resource,
    string Scope,
    DateTimeOffset Start,
    TimeSpan Duration,
    bool IsError,
    string? StatusMessage,
    TelemetryAttribute[] Attributes,
    SpanEvent[] Events)
{
    public DateTimeOffset End => Start + Duration;
}

/// <summary>One value of an instrument at a time; a histogram point carries its count and sum (the value is the mean).</summary>
public sealed record MetricPoint(DateTimeOffset Time, double Value, string Series);

public sealed record Instrument(string Resource, string Name, string Description, string Unit, string Kind);

/// <summary>A trace as the list shows it: its spans from every resource, ordered by start.</summary>
public sealed record TraceSummary(string TraceId, SpanEntry Root, IReadOnlyList<string> Resources, DateTimeOffset Start, TimeSpan Duration, int SpanCount, int ErrorCount);

/// <summary>How much a resource sent, how much is kept and how much the limits dropped.</summary>
public sealed record ResourceTelemetry(string Resource, long Logs, long LogsDropped, long Spans, long SpansDropped, long MetricPoints, long MetricPointsDropped);
