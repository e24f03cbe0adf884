using Zmarty.Dashboard.Otlp.Proto.Collector.Logs;
using Zmarty.Dashboard.Otlp.Proto.Collector.Metrics;
using Zmarty.Dashboard.Otlp.Proto.Collector.Trace;
using Zmarty.Dashboard.Telemetry;

namespace Zmarty.Dashboard.Otlp;

/// <summary>
/// One export, whichever transport brought it: converted, stored, and answered as OTLP answers, with
/// the items it could not take reported as a partial success (the exporter does not retry those).
/// </summary>
public sealed class OtlpIngestion(TelemetryStore store)
{
    public ExportTraceServiceResponse Export(ExportTraceServiceRequest request)
    {
        var rejected = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var (spans, invalid) = OtlpConverter.Spans(resourceSpans);
            store.AddSpans(OtlpConverter.ServiceName(resourceSpans.Resource), spans);
            rejected += invalid;
        }

        return rejected == 0 ? new() : new()
        {
            PartialSuccess = new() { RejectedSpans = rejected, ErrorMessage = "a span needs a 16-byte trace_id and an 8-byte span_id" },
        };
    }

    public ExportLogsServiceResponse Export(ExportLogsServiceRequest request)
    {
        var rejected = 0;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var (logs, invalid) = OtlpConverter.Logs(resourceLogs);
            store.AddLogs(OtlpConverter.ServiceName(resourceLogs.Resource), logs);
            rejected += invalid;
        }

        return rejected == 0 ? new() : new()
        {
            PartialSuccess = new() { RejectedLogRecords = rejected, ErrorMessage = "a log record's trace_id must be 16 bytes and its span_id 8, or both empty" },
        };
    }

    public ExportMetricsServiceResponse Export(ExportMetricsServiceRequest request)
    {
        var rejected = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var (points, unsupported) = OtlpConverter.Metrics(resourceMetrics);
            store.AddMetrics(OtlpConverter.ServiceName(resourceMetrics.Resource), points);
            rejected += unsupported;
        }

        return rejected == 0 ? new() : new()
        {
            PartialSuccess = new() { RejectedDataPoints = rejected, ErrorMessage = "only gauges, sums and histograms are kept" },
        };
    }
}
