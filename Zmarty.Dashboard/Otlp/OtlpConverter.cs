using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Zmarty.Dashboard.Otlp.Proto;
using Zmarty.Dashboard.Telemetry;


namespace Zmarty.Dashboard.Otlp;

/// <summary>OTLP's messages into the store's compact records; what is invalid is counted as rejected, never stored.</summary>
internal static class OtlpConverter
{
    public const string UnknownService = "unknown_service";

    /// <summary>The resource's <c>service.name</c> (the AppHost sets it to the resource's name through OTEL_SERVICE_NAME).</summary>
    public static string ServiceName(Proto.Resource? resource) =>
        resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } name
            && name.StringValue.Length > 0
            ? name.StringValue
            : UnknownService;

    public static (List<SpanEntry> Spans, int Rejected) Spans(ResourceSpans resourceSpans)
    {
        var resource = ServiceName(resourceSpans.Resource);
        var spans = new List<SpanEntry>();
        var rejected = 0;
        foreach (var scope in resourceSpans.ScopeSpans)
        {
            foreach (var span in scope.Spans)
            {
                if (span.TraceId.Length != 16 || span.SpanId.Length != 8 || span.ParentSpanId.Length is not (0 or 8))
                {
                    rejected++;
                    continue;
                }

                var start = Time(span.StartTimeUnixNano);
                spans.Add(new SpanEntry(
                    Hex(span.TraceId)!,
                    Hex(span.SpanId)!,
                    Hex(span.ParentSpanId),
                    span.Name,
                    Kind(span.Kind),
                    resource,
                    scope.Scope?.Name ?? "",
                    start,
                    span.EndTimeUnixNano >= span.StartTimeUnixNano ? Time(span.EndTimeUnixNano) - start : TimeSpan.Zero,
                    span.Status?.Code == Proto.Status.Types.StatusCode.Error,
                    string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                    Attributes(span.Attributes),
                    [.. span.Events.Select(e => new SpanEvent(Time(e.TimeUnixNano), e.Name, Attributes(e.Attributes)))]));
            }
        }

        return (spans, rejected);
    }

    public static (List<LogEntry> Logs, int Rejected) Logs(ResourceLogs resourceLogs)
    {
        var resource = ServiceName(resourceLogs.Resource);
        var logs = new List<LogEntry>();
        var rejected = 0;
        foreach (var scope in resourceLogs.ScopeLogs)
        {
            foreach (var record in scope.LogRecords)
            {
                if (record.TraceId.Length is not (0 or 16) || record.SpanId.Length is not (0 or 8))
                {
                    rejected++;
                    continue;
                }

                var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                logs.Add(new LogEntry(
                    Time(time),
                    resource,
                    scope.Scope?.Name ?? "",
                    Level(record.SeverityNumber),
                    record.Body is null ? "" : Text(record.Body),
                    Hex(record.TraceId),
                    Hex(record.SpanId),
                    Attributes(record.Attributes)));
            }
        }

        return (logs, rejected);
    }

    public static (List<(Instrument, MetricPoint)> Points, int Rejected) Metrics(ResourceMetrics resourceMetrics)
    {
        var resource = ServiceName(resourceMetrics.Resource);
        var points = new List<(Instrument, MetricPoint)>();
        var rejected = 0;
        foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(scope => scope.Metrics))
        {
            var instrument = new Instrument(resource, metric.Name, metric.Description, metric.Unit, metric.DataCase.ToString());
            switch (metric.DataCase)
            {
                case Metric.DataOneofCase.Gauge:
                    points.AddRange(metric.Gauge.DataPoints.Select(p => (instrument, Point(p))));
                    break;
                case Metric.DataOneofCase.Sum:
                    points.AddRange(metric.Sum.DataPoints.Select(p => (instrument, Point(p))));
                    break;
                case Metric.DataOneofCase.Histogram:
                    points.AddRange(metric.Histogram.DataPoints.Select(p => (instrument, new MetricPoint(
                        Time(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, Series(p.Attributes)))));
                    break;
                default:
                    // A kind this dashboard does not chart (exponential histogram, summary): parsed as unknown fields.
                    rejected++;
                    break;
            }
        }

        return (points, rejected);
    }

    internal static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {(kv.Value is null ? "" : Text(kv.Value))}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    private static MetricPoint Point(NumberDataPoint point) => new(
        Time(point.TimeUnixNano),
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble,
        Series(point.Attributes));

    /// <summary>The attribute set that tells one series of an instrument from another, e.g. <c>http.route=/chat</c>.</summary>
    private static string Series(RepeatedField<KeyValue> attributes) =>
        string.Join(", ", attributes.Select(a => $"{a.Key}={(a.Value is null ? "" : Text(a.Value))}"));

    private static TelemetryAttribute[] Attributes(RepeatedField<KeyValue> attributes) =>
        [.. attributes.Select(a => new TelemetryAttribute(a.Key, a.Value is null ? "" : Text(a.Value)))];

    private static DateTimeOffset Time(ulong unixNanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanoseconds / 100));

    private static string? Hex(ByteString bytes) => bytes.IsEmpty ? null : Convert.ToHexStringLower(bytes.Span);

    private static string Kind(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Server => "server",
        Span.Types.SpanKind.Client => "client",
        Span.Types.SpanKind.Producer => "producer",
        Span.Types.SpanKind.Consumer => "consumer",
        _ => "internal",
    };

    /// <summary>OTLP's severity ranges: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal.</summary>
    private static LogLevel Level(SeverityNumber severity) => (int)severity switch
    {
        >= 21 => LogLevel.Critical,
        >= 17 => LogLevel.Error,
        >= 13 => LogLevel.Warning,
        >= 9 or 0 => LogLevel.Information,
        >= 5 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };
}
